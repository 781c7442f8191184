"""Per-second quality of streams, from streamprobe report JSON files, as runs of constant quality.

A report (schema ``streamprobe.report/1``) has a ``timeline`` of one row per second, ``t_s`` being
the start of the second counted from the report's first frame. To join it to viewer sessions the
retention analysis needs two things the base schema does not carry, read from top-level keys
that the report may add:

- ``stream_id``: the stream the report measured (the ``stream_id`` of the sessions). If absent,
  the file name without its suffix is used: ``stream-042.json`` is stream ``stream-042``.
- ``started_at``: the wall-clock time of ``t_s = 0``, epoch seconds or ISO 8601 (no offset = UTC).
  Required: without it the timeline cannot be placed against the sessions' join and leave times.

Row ``i`` then covers wall-clock [started_at + t_s, started_at + t_s + 1). Clarity (1-5 MOS scale)
is rounded to ``CLARITY_STEP`` so that consecutive seconds of equal quality merge into one run;
rows whose clarity is null (not measured) are not quality data and are counted, not used.
Two reports of the same stream whose timelines overlap are an error.

A ``streamprobe watch`` timeline (JSON Lines, ``.jsonl``) is read too: its rows carry ``ts``
(UTC epoch s) and ``stream_id`` themselves; the rows of each probe of each stream form one
timeline (two probes of one stream overlap: give one probe's rows per stream). A fleet's timeline
adds event records (key ``event``: a probe outage or overload) and marks rows whose probe was
overloaded (``probe_overloaded``); neither is the stream's quality, and both are skipped. A
fleet's Parquet dataset (its ``parquet`` directory, or one ``.parquet`` file of it) is read as
its JSON Lines are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from metrics.report import REPORT_SCHEMA
from metrics.retention.errors import RetentionInputError
from metrics.retention.sessions import parse_time_s

if TYPE_CHECKING:
    import duckdb

CLARITY_STEP = 0.1
WATCH_SUFFIXES = (".jsonl", ".ndjson")  # ``streamprobe watch --timeline`` files
PARQUET_SUFFIX = ".parquet"  # a fleet's timeline dataset (a file of it, or its directory)
QUALITY_VIEW = "quality_runs"


@dataclass(frozen=True)
class QualityRuns:
    """Runs of constant quality: wall-clock [``start_s``, ``end_s``) of ``stream_id`` with one
    ``clarity`` and ``frozen`` value. ``seconds`` counts timeline rows used, and
    ``seconds_without_clarity`` rows skipped because their clarity was null."""

    stream_id: tuple[str, ...]
    start_s: np.ndarray
    end_s: np.ndarray
    clarity: np.ndarray
    frozen: np.ndarray
    reports: int
    seconds: int
    seconds_without_clarity: int


def load_quality_reports(paths: list[str | Path] | tuple[str | Path, ...]) -> QualityRuns:
    """Read report JSON files into ``QualityRuns``; ``RetentionInputError`` names the file, the
    timeline row and the key of the first problem."""
    streams: list[str] = []
    parts: list[tuple[np.ndarray, ...]] = []
    spans: dict[str, list[tuple[float, float, str]]] = {}
    used = skipped = 0
    for label, stream_id, started_s, t_s, clarity, frozen in _timelines(map(Path, paths)):
        if t_s.size:
            spans.setdefault(stream_id, []).append(
                (started_s + t_s.min(), started_s + t_s.max() + 1.0, label))
        measured = ~np.isnan(clarity)
        skipped += int((~measured).sum())
        used += int(measured.sum())
        start, end, level, still = _runs(t_s[measured], clarity[measured], frozen[measured])
        streams.extend([stream_id] * start.size)
        parts.append((started_s + start, started_s + end, level, still))
    for stream_id, intervals in spans.items():
        intervals.sort()
        for (_, end, first), (start, _, second) in zip(intervals, intervals[1:]):
            if start < end:
                raise RetentionInputError(f"{second}: timeline of stream {stream_id!r} overlaps "
                                          f"the one in {first}; give each second once")
    joined = [np.concatenate(column) for column in zip(*parts)] if parts else [np.zeros(0)] * 4
    return QualityRuns(stream_id=tuple(streams), start_s=joined[0], end_s=joined[1],
                       clarity=joined[2], frozen=joined[3].astype(bool),
                       reports=len(paths), seconds=used, seconds_without_clarity=skipped)


def _timelines(paths: Iterator[Path]) -> Iterator[
        tuple[str, str, float, np.ndarray, np.ndarray, np.ndarray]]:
    """(label, stream_id, started_s, t_s, clarity, frozen) of each report, and of each probe's
    rows of each stream in a watch timeline (``.jsonl``/``.ndjson``)."""
    for path in paths:
        if path.suffix in WATCH_SUFFIXES:
            yield from _watch_timelines(path, _json_lines(path))
            continue
        if path.is_dir() or path.suffix == PARQUET_SUFFIX:
            yield from _watch_timelines(path, _parquet_rows(path))
            continue
        stream_id, started_s, rows = _read_report(path)
        yield (str(path), stream_id, started_s, *_timeline_arrays(path, rows))


def _watch_timelines(path: Path, rows_read: Iterator[Any]) -> Iterator[
        tuple[str, str, float, np.ndarray, np.ndarray, np.ndarray]]:
    """A ``streamprobe watch`` timeline (``rows_read`` from ``path``): rows keyed by ``ts``
    (UTC epoch s), grouped by ``stream_id`` and ``probe_id``. A frozen second without clarity
    (an outage, or a freeze with no frame) shows the picture left on screen: it takes the
    clarity measured before it."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for i, row in enumerate(rows_read):
        where = f"{path}: line {i + 1}"
        if not isinstance(row, dict):
            raise RetentionInputError(f"{where}: expected an object")
        if "event" in row or row.get("probe_overloaded"):
            continue  # a fleet's probe outage or overload: not the stream's quality
        for key in ("ts", "stream_id"):
            if key not in row:
                raise RetentionInputError(f"{where}: key {key} missing (a watch timeline row "
                                          "has ts, stream_id, clarity and frozen)")
        groups.setdefault((str(row["stream_id"]), str(row.get("probe_id"))), []).append(
            {**row, "t_s": row["ts"]})
    for (stream_id, probe_id), rows in groups.items():
        t_s, clarity, frozen = _timeline_arrays(path, rows)
        for i in range(1, clarity.size):
            if frozen[i] and math.isnan(clarity[i]):
                clarity[i] = clarity[i - 1]
        yield f"{path} (probe {probe_id})", stream_id, 0.0, t_s, clarity, frozen


def _parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a fleet's Parquet timeline (a directory of partitions, or one file)."""
    import duckdb

    pattern = str(path / "**" / f"*{PARQUET_SUFFIX}") if path.is_dir() else str(path)
    try:
        with duckdb.connect() as con:
            cursor = con.execute(
                "SELECT * FROM read_parquet(?, hive_partitioning = true, hive_types = "
                "{'stream_id': VARCHAR, 'hour': VARCHAR}) ORDER BY stream_id, ts", [pattern])
            names = [d[0] for d in cursor.description]
            while batch := cursor.fetchmany(10_000):
                yield from (dict(zip(names, values)) for values in batch)
    except duckdb.Error as err:
        raise RetentionInputError(f"{path}: not a streamprobe Parquet timeline: "
                                  f"{str(err).splitlines()[0]}") from None


def _json_lines(path: Path) -> Iterator[Any]:
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as err:
                        raise RetentionInputError(f"{path}: line {number}: not JSON: "
                                                  f"{err}") from None
    except OSError as err:
        raise RetentionInputError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise RetentionInputError(f"{path}: not text: {err}") from None


def register_quality(con: "duckdb.DuckDBPyConnection", runs: QualityRuns) -> None:
    """Make ``runs`` queryable as the DuckDB view ``QUALITY_VIEW``."""
    import pyarrow as pa

    con.register(QUALITY_VIEW, pa.table({
        "stream_id": pa.array(runs.stream_id, type=pa.string()),
        "start_s": runs.start_s, "end_s": runs.end_s,
        "clarity": runs.clarity, "frozen": runs.frozen}))


def _read_report(path: Path) -> tuple[str, float, list[Any]]:
    try:
        report = json.loads(path.read_text())
    except OSError as err:
        raise RetentionInputError(f"{path}: cannot read: {err.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise RetentionInputError(f"{path}: not JSON: {err}") from None
    if not isinstance(report, dict) or report.get("schema") != REPORT_SCHEMA:
        found = report.get("schema") if isinstance(report, dict) else type(report).__name__
        raise RetentionInputError(f"{path}: key schema: expected {REPORT_SCHEMA!r}, got {found!r}")
    if "started_at" not in report:
        raise RetentionInputError(
            f"{path}: key started_at missing: retention needs the wall-clock time of t_s = 0 "
            f"(epoch seconds or ISO 8601) to join the timeline to sessions")
    started = report["started_at"]
    if isinstance(started, (int, float)) and not isinstance(started, bool):
        started_s = float(started)
    elif isinstance(started, str):
        started_s = parse_time_s(started, f"{path}: key started_at")
    else:
        raise RetentionInputError(f"{path}: key started_at: {started!r} is not a time")
    timeline = report.get("timeline")
    if not isinstance(timeline, list):
        raise RetentionInputError(f"{path}: key timeline: expected a list of rows")
    stream_id = report.get("stream_id", path.name.split(".")[0])
    return str(stream_id), started_s, timeline


def _timeline_arrays(path: Path, rows: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``t_s``, clarity (NaN where null) and frozen per row, sorted by ``t_s``."""
    t_s = np.empty(len(rows))
    clarity = np.empty(len(rows))
    frozen = np.empty(len(rows), dtype=bool)
    for i, row in enumerate(rows):
        where = f"{path}: timeline row {i}"
        if not isinstance(row, dict):
            raise RetentionInputError(f"{where}: expected an object")
        t_s[i] = _number(row.get("t_s"), f"{where}, key t_s", allow_null=False)
        clarity[i] = _number(row.get("clarity"), f"{where}, key clarity", allow_null=True)
        value = row.get("frozen")
        if not isinstance(value, bool):
            raise RetentionInputError(f"{where}, key frozen: expected true or false, got {value!r}")
        frozen[i] = value
    order = np.argsort(t_s, kind="stable")
    repeated = np.flatnonzero(np.diff(t_s[order]) < 1.0 - 1e-6)
    if repeated.size:
        i = int(order[repeated[0] + 1])
        raise RetentionInputError(f"{path}: timeline row {i}, key t_s: {t_s[i]!r} is less than "
                                  f"1 s after another row; rows are one per second")
    return t_s[order], clarity[order], frozen[order]


def _runs(t_s: np.ndarray, clarity: np.ndarray,
          frozen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge consecutive seconds of equal (rounded clarity, frozen) into [start, end) runs."""
    level = np.round(clarity / CLARITY_STEP) * CLARITY_STEP
    if t_s.size == 0:
        return t_s, t_s, level, frozen
    new_run = np.ones(t_s.size, dtype=bool)
    new_run[1:] = ((level[1:] != level[:-1]) | (frozen[1:] != frozen[:-1])
                   | (np.abs(t_s[1:] - t_s[:-1] - 1.0) > 1e-6))
    first = np.flatnonzero(new_run)
    last = np.append(first[1:], t_s.size) - 1
    return t_s[first], t_s[last] + 1.0, level[first], frozen[first]


def _number(value: Any, where: str, allow_null: bool) -> float:
    if value is None and allow_null:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RetentionInputError(f"{where}: expected a number, got {value!r}")
    return float(value)
