"""The room benches' --quick forms run and hold their floors (bench/bench_room_*.py).

The churn bench's RSS floor (within 10 % of a fresh room's) is its own figure, reported as the
bench prints it; this test holds the others: sessions, streams, tasks, threads and sockets back
where they started, every viewer fed, the final check passing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_bench(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bench" / name), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=400, check=False)


@pytest.mark.integration
def test_abuse_bench_quick_holds_its_floors() -> None:
    done = run_bench("bench_room_abuse.py")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "answered 4xx: 1000 of 1000" in done.stdout


@pytest.mark.integration
def test_churn_bench_quick_gives_everything_back() -> None:
    done = run_bench("bench_room_churn.py")
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    for figure in ("sessions", "streams", "tasks", "threads", "sockets", "viewers", "final"):
        assert lines[figure].rstrip().endswith(" ok"), done.stdout
    assert "rss_mib" in lines
