"""``streamprobe fleet --ray ADDRESS`` joins a Ray cluster it did not start (a real head node,
started here with ``ray start``), watches through it, and leaves the cluster running."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.probe.watch.test_watch_live import ENV, free_port, start_room

pytestmark = pytest.mark.integration
CLUSTER_ENV = {**ENV, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def ray_cli(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ray.scripts.scripts", *args], env=CLUSTER_ENV,
                          capture_output=True, text=True, timeout=timeout_s, check=False)


def test_a_fleet_joins_a_running_cluster_and_leaves_it_running(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    head = f"127.0.0.1:{free_port()}"
    # Ray's socket paths must stay under 108 bytes: a short folder, not pytest's tmp_path.
    ray_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    started = ray_cli("start", "--head", f"--port={head.split(':')[1]}", "--num-cpus=2",
                      "--include-dashboard=false", "--disable-usage-stats",
                      f"--temp-dir={ray_dir}")
    assert started.returncode == 0, started.stderr[-2000:]
    port = free_port()
    room = start_room(port)
    try:
        spec = tmp_path / "spec.toml"
        spec.write_text(f'[[stream]]\nurl = "http://127.0.0.1:{port}/whep/a"\nheight = 360\n')
        done = subprocess.run(
            [sys.executable, "-m", "probe.cli", "fleet", str(spec), "--ray", head, "--timeline",
             str(tmp_path / "out"), "--duration", "12", "--window", "3", "--json", "-"],
            env=CLUSTER_ENV, capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        summary = json.loads(done.stdout)
        [stream] = summary["streams"]
        assert stream["stream_id"] == "a" and stream["connected_s"] >= 5
        assert stream["probe_outages"] == 0
        still_up = ray_cli("status", f"--address={head}", timeout_s=60)
        assert still_up.returncode == 0, still_up.stderr[-2000:]  # joined, not stopped
        assert "2.0 CPU" in still_up.stdout or "0.0/2.0 CPU" in still_up.stdout
    finally:
        room.terminate()
        room.communicate(timeout=20)
        ray_cli("stop", "--force", timeout_s=60)
        shutil.rmtree(ray_dir, ignore_errors=True)
