"""``retention --quality`` reads ``streamprobe watch`` timelines (JSON Lines) beside reports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from metrics.retention import RetentionInputError
from metrics.retention.timelines import load_quality_reports

T0 = 1_800_000_000.0


def row(ts: float, stream: str, clarity: float | None, frozen: bool = False,
        connected: bool = True, probe: str = "p/0") -> dict[str, object]:
    return {"ts": ts, "stream_id": stream, "probe_id": probe, "connected": connected,
            "fps": 30.0 if connected else 0.0, "bitrate_kbps": None, "clarity": clarity,
            "frozen": frozen, "latency_ms": None, "loss_fraction": None}


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_rows_of_two_streams_become_runs_and_outages_keep_the_picture_left(tmp_path) -> None:
    rows = [row(T0 + i, "a", 4.0) for i in range(3)]
    rows += [row(T0 + 3 + i, "a", None, frozen=True, connected=False) for i in range(2)]
    rows += [row(T0 + 5, "a", 2.0)]
    rows += [row(T0 + 0.5 + i, "b", 3.0) for i in range(4)]  # interleaved with stream a
    runs = load_quality_reports([write(tmp_path / "watch.jsonl", rows)])
    a = np.array([s == "a" for s in runs.stream_id])
    assert runs.start_s[a].tolist() == [T0, T0 + 3, T0 + 5]
    assert runs.end_s[a].tolist() == [T0 + 3, T0 + 5, T0 + 6]
    assert runs.clarity[a].tolist() == [4.0, 4.0, 2.0]  # the outage shows the last picture
    assert runs.frozen[a].tolist() == [False, True, False]
    assert runs.start_s[~a].tolist() == [T0 + 0.5] and runs.end_s[~a].tolist() == [T0 + 4.5]
    assert runs.seconds == 10 and runs.seconds_without_clarity == 0


def test_an_outage_before_any_clarity_is_not_quality_data(tmp_path) -> None:
    rows = [row(T0, "a", None, frozen=True, connected=False), row(T0 + 1, "a", 3.0)]
    runs = load_quality_reports([write(tmp_path / "w.jsonl", rows)])
    assert runs.seconds_without_clarity == 1 and runs.start_s.tolist() == [T0 + 1]


def test_two_probes_of_one_stream_overlap_and_are_refused(tmp_path) -> None:
    rows = [row(T0 + i, "a", 3.0, probe=p) for p in ("p/0", "p/1") for i in range(3)]
    with pytest.raises(RetentionInputError, match="overlaps"):
        load_quality_reports([write(tmp_path / "w.jsonl", rows)])


@pytest.mark.parametrize("text, message", [
    ('{"ts": 1, "stream_id": "a", "clarity": 3, "frozen": false}\n{oops\n', r"line 2: not JSON"),
    ('{"stream_id": "a", "clarity": 3, "frozen": false}\n', r"line 1: key ts missing"),
    ('{"ts": 1, "stream_id": "a", "clarity": 3, "frozen": 1}\n', r"key frozen: expected true"),
])
def test_a_bad_line_is_named(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "w.jsonl"
    path.write_text(text)
    with pytest.raises(RetentionInputError, match=message):
        load_quality_reports([path])
