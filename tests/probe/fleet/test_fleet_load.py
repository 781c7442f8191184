"""A fleet load test: N viewers of one stream, started at the spawn rate, on a real local Ray."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.probe.watch.test_watch_live import ENV, free_port, start_room

pytestmark = pytest.mark.integration
VIEWERS = 3
SPAWN_RATE = 0.5  # viewers per second: one every 2 s
DURATION_S = 16


def test_a_load_test_starts_its_viewers_at_the_spawn_rate_and_keeps_them_apart(
        tmp_path: Path) -> None:
    pytest.importorskip("ray")
    port = free_port()
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[fleet]\nprobes = 1\n[load]\nurl = "http://127.0.0.1:{port}/whep/show"\n'
                    f"height = 360\nviewers = {VIEWERS}\nspawn_rate = {SPAWN_RATE}\n")
    out = tmp_path / "out"
    room = start_room(port)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "probe.cli", "fleet", str(spec), "--timeline", str(out),
             "--duration", str(DURATION_S), "--window", "4", "--json", "-"],
            env=ENV, capture_output=True, text=True, timeout=180, check=False)
    finally:
        room.terminate()
        room.communicate(timeout=20)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    streams = {s["key"]: s for s in summary["streams"]}
    assert sorted(streams) == [f"show#{i}" for i in range(VIEWERS)]
    assert {s["stream_id"] for s in streams.values()} == {"show"}
    for s in streams.values():
        assert s["connected_s"] >= 6 and s["probe_outage_s"] == 0
    # Viewer N starts N / rate s after the first, so it has that much less media.
    first, last = streams["show#0"]["connected_s"], streams[f"show#{VIEWERS - 1}"]["connected_s"]
    assert abs((first - last) - (VIEWERS - 1) / SPAWN_RATE) <= 1.5
    # One timeline row per viewer per second, told apart by probe_id, under one stream_id.
    records = [json.loads(line) for line in (out / "timeline.jsonl").read_text().splitlines()]
    rows = [r for r in records if "connected" in r and r.get("stream_id") == "show"]
    by_viewer = {r["probe_id"] for r in rows}
    assert len(by_viewer) == VIEWERS
    first_ts = {p: min(r["ts"] for r in rows if r["probe_id"] == p and r["connected"])
                for p in by_viewer}
    starts = sorted(first_ts.values())
    assert all(1.0 <= b - a <= 3.0 for a, b in zip(starts, starts[1:]))
