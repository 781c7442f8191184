"""The merged timeline: probe gaps and overloads as records, and retention reading past them."""

from __future__ import annotations

import json

from metrics.retention.timelines import load_quality_reports
from probe.fleet.merge import OverloadSpan, ProbeGap, merged_timeline, write_json_lines


def row(ts: float, probe: str, frozen: bool = False) -> dict:
    return {"ts": ts, "stream_id": "a", "probe_id": f"{probe}/a", "connected": True, "fps": 30.0,
            "bitrate_kbps": 600.0, "clarity": 4.0, "frozen": frozen, "latency_ms": 40.0,
            "loss_fraction": 0.0}


def test_a_gap_runs_from_the_last_row_before_the_loss_to_the_first_after(tmp_path) -> None:
    rows = [row(100.0 + i, "p0") for i in range(5)] + [row(111.0 + i, "p0") for i in range(3)]
    merged = merged_timeline(rows, {"p0/a": "a"},
                             [ProbeGap(key="a", probe="p0", lost_s=106.5, reason="died")],
                             [OverloadSpan("a", "p0", 112.0, 113.5, "late")], ended_s=120.0)
    [gap] = [r for r in merged if r.get("event") == "probe_outage"]
    assert (gap["ts"], gap["seconds"], gap["probe_id"]) == (105.0, 6.0, "p0/a")
    assert [r["ts"] for r in merged if r.get("probe_overloaded")] == [112.0, 113.0]
    assert [r["ts"] for r in merged] == sorted(r["ts"] for r in merged)

    path = tmp_path / "timeline.jsonl"
    write_json_lines(path, merged)
    assert all("ts" in json.loads(line) for line in path.read_text().splitlines())
    runs = load_quality_reports([path])
    assert runs.seconds == 6  # 8 rows, 2 under probe overload; the event records skipped
