"""``streamprobe compare`` on bad input: one line naming the key or the file, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "probe.cli", "compare"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("toml", "named"), [
    ("codec = ['vp8']\nquality = [1]\n", "unknown key 'quality'"),
    ("bitrate_kbps = []\n", "key 'bitrate_kbps' is an empty list"),
    ("bitrate_kbps = [20]\n", "grid key 'bitrate_kbps': 20"),
    ("bitrate_kbps = [90000]\n", "grid key 'bitrate_kbps': 90000"),
])
def test_bad_grid_exits_2_naming_the_key(tmp_path: Path, toml: str, named: str) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text(toml)
    done = _run("--grid", str(grid), "--offline", "--no-cache")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and str(grid) in lines[0]
    assert "Traceback" not in done.stderr


def test_undecodable_source_exits_2_naming_the_file(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text("codec = ['vp8']\n")
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"not a video at all" * 100)
    done = _run(str(source), "--grid", str(grid), "--offline", "--no-cache")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert str(source) in line and "cannot be decoded" in line


def test_live_file_source_and_offline_impairment_are_refused(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text("codec = ['vp8']\n")
    done = _run(str(tmp_path / "clip.mp4"), "--grid", str(grid), "--no-cache")
    assert done.returncode == 2 and "--offline" in done.stderr
    done = _run("--grid", str(grid), "--offline", "--impair", "loss=2%", "--no-cache")
    assert done.returncode == 2 and "--impair needs the live path" in done.stderr
    done = _run("--grid", str(grid), "--offline", "--impair", "loss=200%", "--no-cache")
    assert done.returncode == 2 and "loss" in done.stderr


@pytest.mark.integration
def test_offline_pattern_json_plot_and_resume(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text("codec = ['vp8', 'h264']\nbitrate_kbps = [300]\nheight = [180]\n")
    args = ("--grid", str(grid), "--offline", "--duration", "0.5", "--cache",
            str(tmp_path / "cache"), "--max-kbps", "1000")
    plot = tmp_path / "rq.png"
    page = tmp_path / "compare.html"
    done = subprocess.run([*CLI, *args, "--json", "-", "--plot", str(plot), "--html", str(page)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["schema"] == "streamprobe.compare/1"
    assert sorted(r["setting"]["codec"] for r in data["runs"]) == ["h264", "vp8"]
    assert {(r["setting"]["width"], r["setting"]["height"]) for r in data["runs"]} == {(320, 180)}
    assert all(r["vmaf"] is not None and 0 < r["vmaf"] <= 100 for r in data["runs"])
    (bd,) = data["bd_rate"]
    assert (bd["anchor"], bd["test"], bd["pct"]) == ("vp8", "h264", None)
    assert "at least 4" in bd["reason"]
    assert data["recommendation"].startswith("best under 1000 kbps")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = page.read_text()
    assert data["recommendation"] in html and "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html
    again = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "2 of 2 runs from the cache" in again.stderr
    assert "recommendation:" in again.stdout
