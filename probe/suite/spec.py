"""A CI benchmark suite file (TOML): the cases to measure, their budgets, how often to repeat.

```toml
[suite]                      # optional
name = "nightly"
repeats = 5                  # per case, unless the case says otherwise
max_repeats = 15             # the bound on extra repeats while a comparison is UNKNOWN

[[case]]
name = "room-720p"           # required, unique
# what to measure, at most one of: url (a check of that stream), publish (the pattern published
# there and watched at `view`, or where the server says), file (an analyze of a sample file,
# with an optional `reference`); none of them: the embedded test room
duration_s = 8
timeout_s = 10
impair = "loss=1%"           # embedded room only
width = 1280                 # the pattern flags, by their CLI names
height = 720
fps = 30
codec = "vp8"
bitrate_kbps = 2000
av_offset_ms = 0
thresholds = "limits.toml"   # a check's --thresholds file (relative to the suite file)
track = ["video.fps"]        # figures compared with a baseline (default: metrics.figures.FIGURES)

[case.budgets]               # warn/fail limits on any report figure, by its JSON path
"latency.glass_to_glass_ms.p95" = {warn = 200, fail = 400}
```

Every mistake is a ``SuiteError`` naming the case and the key, found before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from metrics.figures import FIGURES, report_paths
from metrics.verdict import Limit
from probe.errors import InputError
from probe.media.encoding import BITRATE_RANGE_KBPS, VIDEO_CODECS, VideoEncoding
from probe.pattern.spec import FPS_RANGE, HEIGHT_RANGE_PX, WIDTH_RANGE_PX, PatternSpec
from probe.room.impair_spec import ImpairSpec, ImpairSpecError, parse_impair_spec
from probe.toml_file import read_toml

DEFAULT_REPEATS = 5
MAX_REPEATS_FACTOR = 3  # default bound on repeats: three times the case's own
SOURCE_KEYS = ("url", "publish", "file")
CASE_KEYS = {"name", *SOURCE_KEYS, "view", "reference", "duration_s", "timeout_s", "impair",
             "repeats", "width", "height", "fps", "codec", "bitrate_kbps", "av_offset_ms",
             "thresholds", "track", "budgets"}
SUITE_KEYS = {"name", "repeats", "max_repeats"}
BUDGET_KEYS = {"warn", "fail", "direction"}

Source = Literal["room", "url", "publish", "file"]


class SuiteError(InputError):
    """A suite file that cannot be used; the message names the case and the key."""


@dataclass(frozen=True)
class CaseSpec:
    """One case of a suite: what to measure, how, and the limits on its figures."""

    name: str
    source: Source
    target: str | None = None  # the URL or file, for every source but the room
    view: str | None = None  # with publish: where to watch
    reference: Path | None = None  # with file: its source, for PSNR/SSIM/VMAF
    duration_s: float = 10.0
    timeout_s: float = 10.0
    impair: ImpairSpec | None = None
    repeats: int = DEFAULT_REPEATS
    max_repeats: int = DEFAULT_REPEATS * MAX_REPEATS_FACTOR
    pattern: PatternSpec = field(default_factory=PatternSpec)
    encoding: VideoEncoding = field(default_factory=VideoEncoding)
    thresholds: Path | None = None
    track: tuple[str, ...] = tuple(FIGURES)
    budgets: dict[str, Limit] = field(default_factory=dict)


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    path: Path
    cases: tuple[CaseSpec, ...]


def load_suite(path: Path) -> SuiteSpec:
    """Read and check a suite file; raises ``SuiteError`` naming the case and key at fault."""
    data = read_toml(path, SuiteError, "suite")
    extra = set(data) - {"suite", "case"}
    if extra:
        raise SuiteError(f"{path}: unknown table {sorted(extra)[0]!r}; a suite has [suite] and "
                         "[[case]] tables")
    suite = data.get("suite", {})
    _known(path, "[suite]", suite, SUITE_KEYS)
    repeats = _int(path, "[suite]", suite, "repeats", DEFAULT_REPEATS, low=1, high=100)
    max_repeats = _int(path, "[suite]", suite, "max_repeats", repeats * MAX_REPEATS_FACTOR,
                       low=repeats, high=500)
    cases = data.get("case", [])
    if not isinstance(cases, list) or not cases:
        raise SuiteError(f"{path}: no [[case]] table; a suite needs at least one case")
    parsed = tuple(_case(path, i, table, repeats, max_repeats) for i, table in enumerate(cases))
    names = [c.name for c in parsed]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise SuiteError(f"{path}: two cases are named {duplicate!r}; names must be unique")
    return SuiteSpec(name=str(suite.get("name", path.stem)), path=path, cases=parsed)


def _case(path: Path, index: int, table: Any, repeats: int, max_repeats: int) -> CaseSpec:
    if not isinstance(table, dict):
        raise SuiteError(f"{path}: [[case]] #{index + 1} is not a table")
    name = table.get("name")
    where = f"case {name!r}" if isinstance(name, str) and name else f"[[case]] #{index + 1}"
    if not isinstance(name, str) or not name.strip():
        raise SuiteError(f"{path}: {where}: key name is missing; every case needs a name")
    _known(path, where, table, CASE_KEYS)
    sources = [key for key in SOURCE_KEYS if key in table]
    if len(sources) > 1:
        raise SuiteError(f"{path}: {where}: give one of url, publish, file (got "
                         f"{', '.join(sources)})")
    source: Source = sources[0] if sources else "room"  # type: ignore[assignment]
    target = _str(path, where, table, source) if sources else None
    for key, needs in (("view", "publish"), ("reference", "file"), ("impair", "room")):
        if key in table and source != needs:
            what = "the embedded room" if needs == "room" else f"a {needs} case"
            raise SuiteError(f"{path}: {where}: key {key} applies to {what} only")
    base = path.parent
    if source == "file":
        target = str(_existing(path, where, "file", base / str(target)))
    defaults, encoding = PatternSpec(), VideoEncoding()
    pattern = PatternSpec(
        width=_int(path, where, table, "width", defaults.width, *WIDTH_RANGE_PX, even=True),
        height=_int(path, where, table, "height", defaults.height, *HEIGHT_RANGE_PX, even=True),
        fps=_float(path, where, table, "fps", defaults.fps, *FPS_RANGE),
        av_offset_ms=_float(path, where, table, "av_offset_ms", defaults.av_offset_ms,
                            -1000.0, 1000.0))
    codec = table.get("codec", encoding.codec)
    if codec not in VIDEO_CODECS:
        raise SuiteError(f"{path}: {where}: key codec must be one of {', '.join(VIDEO_CODECS)}")
    own_repeats = _int(path, where, table, "repeats", repeats, low=1, high=100)
    return CaseSpec(
        name=name, source=source, target=target,
        view=_str(path, where, table, "view") if "view" in table else None,
        reference=(_existing(path, where, "reference", base / _str(path, where, table,
                                                                   "reference"))
                   if "reference" in table else None),
        duration_s=_float(path, where, table, "duration_s", 10.0, 0.5, 3600.0),
        timeout_s=_float(path, where, table, "timeout_s", 10.0, 0.5, 600.0),
        impair=_impair(path, where, table),
        repeats=own_repeats, max_repeats=max(max_repeats, own_repeats),
        pattern=pattern,
        encoding=VideoEncoding(codec=codec, bitrate_kbps=_int(
            path, where, table, "bitrate_kbps", encoding.bitrate_kbps, *BITRATE_RANGE_KBPS)),
        thresholds=(_existing(path, where, "thresholds", base / _str(path, where, table,
                                                                     "thresholds"))
                    if "thresholds" in table else None),
        track=_track(path, where, table),
        budgets=_budgets(path, where, table.get("budgets", {})),
    )


def _known(path: Path, where: str, table: Any, keys: set[str]) -> None:
    if not isinstance(table, dict):
        raise SuiteError(f"{path}: {where} must be a table")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise SuiteError(f"{path}: {where}: unknown key {unknown[0]!r}; known keys: "
                         f"{', '.join(sorted(keys))}")


def _str(path: Path, where: str, table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value:
        raise SuiteError(f"{path}: {where}: key {key} must be a non-empty string")
    return value


def _number(path: Path, where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SuiteError(f"{path}: {where}: key {key} must be a finite number")
    return float(value)


def _float(path: Path, where: str, table: dict[str, Any], key: str, default: float,
           low: float, high: float) -> float:
    value = _number(path, where, key, table.get(key, default))
    if not low <= value <= high:
        raise SuiteError(f"{path}: {where}: key {key} = {value:g} is out of range "
                         f"{low:g}..{high:g}")
    return value


def _int(path: Path, where: str, table: dict[str, Any], key: str, default: int,
         low: int, high: int, even: bool = False) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SuiteError(f"{path}: {where}: key {key} must be a whole number")
    if not low <= value <= high:
        raise SuiteError(f"{path}: {where}: key {key} = {value} is out of range {low}..{high}")
    if even and value % 2:
        raise SuiteError(f"{path}: {where}: key {key} must be even (4:2:0 video)")
    return value


def _existing(path: Path, where: str, key: str, file: Path) -> Path:
    if not file.is_file():
        raise SuiteError(f"{path}: {where}: key {key}: {file} does not exist")
    return file


def _impair(path: Path, where: str, table: dict[str, Any]) -> ImpairSpec | None:
    if "impair" not in table:
        return None
    try:
        return parse_impair_spec(_str(path, where, table, "impair"))
    except ImpairSpecError as err:
        raise SuiteError(f"{path}: {where}: key impair: {err}") from err


def _track(path: Path, where: str, table: dict[str, Any]) -> tuple[str, ...]:
    if "track" not in table:
        return tuple(FIGURES)
    track = table["track"]
    if not isinstance(track, list) or not all(isinstance(t, str) for t in track):
        raise SuiteError(f"{path}: {where}: key track must be a list of report paths")
    for figure in track:
        if figure not in FIGURES:
            raise SuiteError(f"{path}: {where}: key track: {figure!r} is not a tracked figure; "
                             f"known: {', '.join(FIGURES)}")
    return tuple(track)


def _budgets(path: Path, where: str, budgets: Any) -> dict[str, Limit]:
    if not isinstance(budgets, dict):
        raise SuiteError(f"{path}: {where}: [case.budgets] must be a table of report paths")
    paths = report_paths()
    limits = {}
    for figure, table in budgets.items():
        key = f"budgets.{figure!r}"
        if figure not in paths:
            raise SuiteError(f"{path}: {where}: key {key}: no such figure in a report "
                             "(a dotted JSON path to a number, e.g. "
                             "latency.glass_to_glass_ms.p95)")
        _known(path, f"{where}: key {key}", table, BUDGET_KEYS)
        values = {k: _number(path, f"{where}: key {key}", k, table[k])
                  for k in ("warn", "fail") if k in table}
        if not values:
            raise SuiteError(f"{path}: {where}: key {key} needs warn, fail or both")
        limits[figure] = _limit(path, f"{where}: key {key}", figure, values,
                                table.get("direction"))
    return limits


def _limit(path: Path, where: str, figure: str, values: dict[str, float],
           direction: Any) -> Limit:
    """A budget's limit; the direction is given, or follows from the figure's better way, or
    from warn and fail (a fail limit beyond the warn one shows which way is bad)."""
    if direction is None and figure in FIGURES:
        direction = "max" if FIGURES[figure].better == "lower" else "min"
    if direction is None and len(values) == 2 and values["warn"] != values["fail"]:
        direction = "max" if values["fail"] > values["warn"] else "min"
    if direction not in ("max", "min"):
        raise SuiteError(f"{path}: {where}: say direction = \"max\" (the figure must stay at "
                         "or below the limits) or \"min\"")
    warn, fail = values.get("warn", values.get("fail")), values.get("fail", values.get("warn"))
    assert warn is not None and fail is not None
    if (fail < warn) if direction == "max" else (fail > warn):
        raise SuiteError(f"{path}: {where}: the fail limit must be beyond the warn limit")
    unit = FIGURES[figure].unit if figure in FIGURES else ""
    return Limit(warn=warn, fail=fail, direction=direction, unit=unit)
