"""The fleet's Parquet timeline: partitioned by stream and hour, read back by retention as the
JSON Lines are (DuckDB writes and reads it; no Ray needed)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from metrics.retention.timelines import QualityRuns, load_quality_reports
from probe.fleet.merge import write_json_lines
from probe.fleet.parquet import write_parquet

HOUR_S = 1_764_759_600.0  # 2025-12-03T11:00:00Z


def rows() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for stream in ("show/1", "42"):  # an id with a slash, and one that looks like a number
        for i in range(-30, 30):  # across an hour boundary
            out.append({"ts": HOUR_S + i, "stream_id": stream, "probe_id": f"probe-0/{stream}",
                        "connected": i != 5, "fps": 30.0 if i != 5 else 0.0,
                        "bitrate_kbps": None if i == 5 else 600.0,
                        "clarity": None if i == 5 else 3.0 + (i % 7) / 10, "frozen": i == 5,
                        "latency_ms": None, "loss_fraction": 0.0,
                        **({"probe_overloaded": True} if i == 9 else {})})
    out.append({"ts": HOUR_S + 1, "stream_id": "42", "probe_id": "probe-0/42",
                "event": "probe_outage", "seconds": 3.0, "reason": "killed"})
    return out


def test_partitions_by_stream_and_hour_and_reads_back_as_the_json_lines(tmp_path: Path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    write_json_lines(timeline, rows())
    target = write_parquet(timeline, tmp_path)
    parts = sorted(str(p.relative_to(target).parent) for p in target.rglob("*.parquet"))
    assert parts == ["stream_id=42/hour=2025-12-03T10", "stream_id=42/hour=2025-12-03T11",
                     "stream_id=show%2F1/hour=2025-12-03T10",
                     "stream_id=show%2F1/hour=2025-12-03T11"]
    with duckdb.connect() as con:
        counts = con.execute(
            f"SELECT stream_id, count(*), count(*) FILTER (WHERE NOT connected), "
            f"count(*) FILTER (WHERE probe_overloaded) FROM read_parquet('{target}/**/*.parquet',"
            " hive_partitioning = true, hive_types = {'stream_id': VARCHAR, 'hour': VARCHAR}) "
            "GROUP BY ALL ORDER BY 1").fetchall()
    assert counts == [("42", 60, 1, 1), ("show/1", 60, 1, 1)]  # the event record left out
    from_jsonl, from_parquet = load_quality_reports([timeline]), load_quality_reports([target])
    # every row but the overloaded ones (the outage second takes the clarity before it)
    assert from_parquet.seconds == from_jsonl.seconds == 2 * 60 - 2

    def runs(q: QualityRuns) -> list[tuple[object, ...]]:
        return sorted(zip(q.stream_id, q.start_s, q.end_s, q.clarity, q.frozen))

    assert runs(from_parquet) == runs(from_jsonl) and len(runs(from_jsonl)) > 20


def test_an_empty_timeline_writes_no_partition(tmp_path: Path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    timeline.write_text(json.dumps({"ts": HOUR_S, "stream_id": "a", "event": "probe_outage"})
                        + "\n")
    target = write_parquet(timeline, tmp_path)
    assert not target.exists() or not list(target.rglob("*.parquet"))
