"""Shared by the watch benches: a test room in its own process, and what window reports add up to."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@contextlib.contextmanager
def room_server(width: int, height: int, bitrate_kbps: int, fps: float = 30.0) -> Iterator[str]:
    """``streamprobe serve`` with the pattern at this size, in its own process (its encoder's
    CPU is not the probe's); yields the pattern's WHEP URL; stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    room = subprocess.Popen(
        [sys.executable, "-m", "probe.cli", "serve", "--port", str(port), "--width", str(width),
         "--height", str(height), "--fps", f"{fps:g}", "--bitrate-kbps", str(bitrate_kbps)],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert room.stdout is not None
        line = room.stdout.readline()
        if "test room on" not in line:
            raise SystemExit(f"the test room did not start: {line}")
        yield f"http://127.0.0.1:{port}/whep/pattern"
    finally:
        room.send_signal(signal.SIGINT)
        try:
            room.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            room.kill()
            room.communicate()


@dataclass(frozen=True)
class Delivery:
    """One stream over the windows of a watch: frames the stamps say were sent and missing."""

    stream_id: str
    windows: int
    stamp_gaps: int  # frames the sender stamped that never reached analysis
    seconds: float


def deliveries(reports: Path) -> dict[str, Delivery]:
    """Per stream, from a ``watch --reports`` file."""
    totals: dict[str, list[float]] = {}
    for line in reports.read_text().splitlines():
        report = json.loads(line)
        entry = totals.setdefault(report["stream_id"], [0, 0, 0.0])
        entry[0] += 1
        entry[1] += report["stutter"]["dropped_frames"] or 0
        entry[2] += report["duration_s"]
    return {k: Delivery(k, int(v[0]), int(v[1]), v[2]) for k, v in totals.items()}


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process (MB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int | str) -> float:
    """User + system CPU seconds of a live process, all its threads (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
