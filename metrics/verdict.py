"""Thresholds and the verdict: compare measured figures with warn/fail limits.

Defaults are documented here and in the README; a TOML file overrides any of them::

    [fps]
    warn = 24
    fail = 15

Each table names a check; ``direction`` is fixed per check (``max``: the value must stay at or
below the limit; ``min``: at or above). A check whose value was not measured is left out, never
guessed, except the checks a live run is expected to measure (glass-to-glass), which are listed
with status "not_measured" and no value, and do not count towards the verdict.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from metrics.report import Check, Status

# ITU-R BT.1359: detectability +45/-125 ms, acceptability +90/-185 ms (audio lead positive).
BT1359_ACCEPT_LEAD_MS = 90.0
BT1359_ACCEPT_LAG_MS = 185.0
BT1359_DETECT_LEAD_MS = 45.0
BT1359_DETECT_LAG_MS = 125.0


@dataclass(frozen=True)
class Limit:
    warn: float
    fail: float
    direction: Literal["max", "min"]
    unit: str


DEFAULT_LIMITS: dict[str, Limit] = {
    "fps": Limit(warn=24.0, fail=15.0, direction="min", unit="fps"),
    "freeze_count": Limit(warn=0.0, fail=2.0, direction="max", unit="freezes"),
    "frozen_fraction": Limit(warn=0.01, fail=0.05, direction="max", unit="ratio"),
    "time_to_first_frame_ms": Limit(warn=2000.0, fail=5000.0, direction="max", unit="ms"),
    "glass_to_glass_p95_ms": Limit(warn=400.0, fail=1000.0, direction="max", unit="ms"),
    "clarity_score": Limit(warn=3.0, fail=2.0, direction="min", unit="MOS"),
    "stutter_score": Limit(warn=3.5, fail=2.5, direction="min", unit="MOS"),
    # webrtc-stats pauses (over 5 s without a frame): a pre-show stream must not stop.
    "pause_count": Limit(warn=0.0, fail=0.0, direction="max", unit="pauses"),
    # 1 when media stopped before the check ended (connection failed, track ended), else 0.
    "media_ended": Limit(warn=0.0, fail=0.0, direction="max", unit="bool"),
    "loss_fraction": Limit(warn=0.02, fail=0.10, direction="max", unit="ratio"),
    "audio_gap_count": Limit(warn=0.0, fail=2.0, direction="max", unit="gaps"),
    # Audio lead beyond BT.1359 limits; the lag side is checked by av_sync_lag_ms.
    "av_sync_lead_ms": Limit(warn=BT1359_DETECT_LEAD_MS, fail=BT1359_ACCEPT_LEAD_MS,
                             direction="max", unit="ms"),
    "av_sync_lag_ms": Limit(warn=BT1359_DETECT_LAG_MS, fail=BT1359_ACCEPT_LAG_MS,
                            direction="max", unit="ms"),
}

_SEVERITY: dict[Status, int] = {"pass": 0, "warn": 1, "fail": 2}


class ThresholdsError(ValueError):
    """A thresholds file that cannot be used; the message names the file and the key."""


def load_limits(path: Path | None) -> dict[str, Limit]:
    """Default limits, overridden by the tables of a TOML file when one is given."""
    limits = dict(DEFAULT_LIMITS)
    if path is None:
        return limits
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ThresholdsError(f"cannot read thresholds file {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ThresholdsError(f"thresholds file {path} is not valid TOML: {err}") from err
    for name, table in data.items():
        if name not in limits:
            known = ", ".join(sorted(limits))
            raise ThresholdsError(f"thresholds file {path}: unknown check [{name}]; known: {known}")
        if not isinstance(table, dict) or not set(table) <= {"warn", "fail"}:
            raise ThresholdsError(
                f"thresholds file {path}: [{name}] takes only numeric keys warn and fail")
        for key, value in table.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ThresholdsError(f"thresholds file {path}: [{name}] {key} must be a number")
        limits[name] = replace(limits[name], **{k: float(v) for k, v in table.items()})
    return limits


def evaluate(name: str, value: float, limit: Limit) -> Check:
    """One check: fail beyond ``fail``, warn beyond ``warn``, else pass."""
    def beyond(bound: float) -> bool:
        return value > bound if limit.direction == "max" else value < bound

    status: Status = "fail" if beyond(limit.fail) else "warn" if beyond(limit.warn) else "pass"
    return Check(name=name, value=float(value), unit=limit.unit, threshold=limit.fail,
                 status=status, warn=limit.warn, direction=limit.direction)


def not_measured(name: str, limit: Limit) -> Check:
    """A check whose figure the run could not measure: listed, with no value, never a pass."""
    return Check(name=name, value=None, unit=limit.unit, threshold=limit.fail,
                 status="not_measured", warn=limit.warn, direction=limit.direction)


def run_checks(values: dict[str, float | None], limits: dict[str, Limit],
               expected: tuple[str, ...] = ()) -> tuple[Check, ...]:
    """Checks for every measured value that has a limit, in the limits' order; a name in
    ``expected`` whose value is missing is listed as "not_measured" instead of left out."""
    return tuple(evaluate(name, value, limit) if (value := values.get(name)) is not None
                 else not_measured(name, limit)
                 for name, limit in limits.items()
                 if values.get(name) is not None or name in expected)


def verdict(checks: tuple[Check, ...]) -> Status:
    """The worst status among the measured checks ("pass" when there are none): a check that
    was not measured neither passes nor fails the run."""
    return max((c.status for c in checks if c.status != "not_measured"),
               key=_SEVERITY.__getitem__, default="pass")
