"""``streamprobe watch`` end to end, as a user runs it: a real test room killed and restarted
under it, ``/metrics`` scraped and parsed by ``prometheus_client``, SIGTERM at the end."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
WAIT_S = 40.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_room(port: int) -> subprocess.Popen[str]:
    room = subprocess.Popen([sys.executable, "-m", "probe.cli", "serve", "--port", str(port)],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert room.stdout is not None
    line = room.stdout.readline()
    assert "test room on" in line, line
    return room


def rows(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def wait_until(what: str, done: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:g} s: {what}")
        time.sleep(0.2)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_watch_rides_out_a_room_restart_serves_metrics_and_exits_143_on_sigterm(
        tmp_path: Path) -> None:
    room_port, metrics_port = free_port(), free_port()
    timeline, summary = tmp_path / "t.jsonl", tmp_path / "summary.json"
    room = start_room(room_port)
    watch = subprocess.Popen(
        [sys.executable, "-m", "probe.cli", "watch", f"http://127.0.0.1:{room_port}/whep/show",
         "--stream-id", "show-1", "--timeline", str(timeline), "--window", "5",
         "--metrics-port", str(metrics_port), "--json", str(summary)],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until("3 connected rows", lambda: sum(r["connected"] for r in rows(timeline)) >= 3)

        exposition = get(f"http://127.0.0.1:{metrics_port}/metrics")
        families = {f.name: f for f in text_string_to_metric_families(exposition)}
        frames = families["streamprobe_frames_received"]
        assert frames.type == "counter"
        [sample] = [s for s in frames.samples if s.name.endswith("_total")]
        assert sample.labels == {"stream_id": "show-1"} and sample.value > 30
        latency = families["streamprobe_glass_to_glass_latency_seconds"]
        assert latency.type == "histogram"
        assert any(s.name.endswith("_count") and s.value > 0 for s in latency.samples)
        assert families["streamprobe_stream_connected"].samples[0].value == 1

        room.kill()
        room.wait(timeout=10)
        wait_until("outage rows", lambda: any(not r["connected"] for r in rows(timeline)))
        room = start_room(room_port)
        wait_until("media again after the outage", lambda: any(
            r["connected"] and any(not q["connected"] for q in rows(timeline)[:i])
            for i, r in enumerate(rows(timeline))))
        wait_until("a window after the reconnection", lambda: sum(
            r["connected"] for r in rows(timeline)) >= 8)
    finally:
        watch.send_signal(signal.SIGTERM)
        _, err = watch.communicate(timeout=20)
    try:
        assert watch.returncode == 143, err
        health = json.loads(get(f"http://127.0.0.1:{room_port}/health"))
        assert health["sessions"] == 0  # the watch's WHEP resource was deleted on SIGTERM
    finally:
        room.send_signal(signal.SIGINT)
        room.communicate(timeout=20)

    written = rows(timeline)
    ts = [r["ts"] for r in written]
    assert all(b - a >= 1.0 - 1e-3 for a, b in itertools.pairwise(ts))  # one row per second, in order
    assert {r["stream_id"] for r in written} == {"show-1"}
    outage = [r for r in written if not r["connected"]]
    assert outage and all(r["frozen"] and r["fps"] == 0 for r in outage)
    first_out = written.index(outage[0])
    assert written[first_out + len(outage)]["connected"]  # one outage, then media again
    done = json.loads(summary.read_text())
    [stream] = done["streams"]
    assert stream["reconnects"] == 1 and stream["outages"] == 1
    assert stream["outage_s"] == len(outage) and stream["seconds"] == len(written)
