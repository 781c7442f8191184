"""Report figures addressed by JSON path: their unit, which way is better, and what change counts.

A CI suite limits any figure of a report by its path (``"latency.glass_to_glass_ms.p95"``) and
tracks figures against a baseline. ``FIGURES`` names the headline figures a baseline keeps by
default, with the smallest change of their median that is worth a red build (``MinEffect``):
changes below it are CI noise on a shared runner (the sizes are set from the run-to-run spread
``bench/bench_regression.py`` measures on the embedded room; see README "CI benchmarks").
Other numeric paths of the report may be limited too; ``report_paths`` lists them all.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any

from metrics.regression import Better, MinEffect
from metrics.report import Report


@dataclass(frozen=True)
class Figure:
    """A tracked report figure: its path, unit, better direction and minimum effect."""

    path: str
    unit: str
    better: Better
    min_effect: MinEffect


def _figure(path: str, unit: str, better: Better, relative: float = 0.0,
            absolute: float = 0.0) -> Figure:
    return Figure(path, unit, better, MinEffect(relative=relative, absolute=absolute))


FIGURES: dict[str, Figure] = {f.path: f for f in (
    _figure("video.fps", "fps", "higher", relative=0.05, absolute=1.0),
    _figure("clarity.score", "MOS", "higher", absolute=0.15),
    _figure("clarity.vmaf", "VMAF", "higher", absolute=2.0),
    _figure("clarity.psnr_db", "dB", "higher", absolute=0.75),
    _figure("clarity.ssim", "SSIM", "higher", absolute=0.01),
    _figure("stutter.score", "MOS", "higher", absolute=0.3),
    _figure("stutter.freeze_count", "freezes", "lower", absolute=1.0),
    _figure("stutter.freeze_total_s", "s", "lower", absolute=0.2),
    _figure("stutter.dropped_frames", "frames", "lower", absolute=3.0),
    _figure("latency.time_to_first_frame_ms", "ms", "lower", relative=0.5, absolute=200.0),
    _figure("latency.glass_to_glass_ms.p50", "ms", "lower", relative=0.25, absolute=10.0),
    _figure("latency.glass_to_glass_ms.p95", "ms", "lower", relative=0.3, absolute=20.0),
    _figure("network.bitrate_kbps", "kbps", "higher", relative=0.10),
    _figure("network.loss_fraction", "ratio", "lower", absolute=0.005),
    # What the link dropped before repair: retransmission hides most loss from loss_fraction.
    _figure("network.link_loss_fraction", "ratio", "lower", absolute=0.005),
    _figure("stutter.pause_count", "pauses", "lower", absolute=1.0),
    _figure("audio.gap_count", "gaps", "lower", absolute=1.0),
)}


def report_paths() -> dict[str, type]:
    """Every numeric figure's path in a report (dataclasses walked from ``Report``), mapped to
    its Python type: the paths a budget may name."""
    return dict(_numeric_paths(Report, ""))


def _numeric_paths(cls: type, prefix: str) -> typing.Iterator[tuple[str, type]]:
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        for kind in _members(hints[field.name]):
            path = f"{prefix}{field.name}"
            if dataclasses.is_dataclass(kind):
                yield from _numeric_paths(kind, path + ".")
            elif kind in (int, float):
                yield path, kind


def _members(hint: Any) -> tuple[Any, ...]:
    """The types an annotation admits (``float | None`` → (float,))."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(a for a in typing.get_args(hint) if a is not type(None))
    return (hint,)


def figure_value(report: dict[str, Any], path: str) -> float | None:
    """The number at ``path`` in a report's JSON form, or None where it was not measured."""
    value: Any = report
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
