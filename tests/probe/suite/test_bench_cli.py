"""``streamprobe bench`` end to end on the embedded room: budgets, a baseline, JUnit, Markdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml

CLI = [sys.executable, "-m", "probe.cli", "bench"]
ROOT = Path(__file__).resolve().parents[3]  # this checkout, whatever is pip-installed
SUITE = """
[suite]
name = "ci"
repeats = 2

[[case]]
name = "room"
duration_s = 2
width = 320
height = 180
bitrate_kbps = 500

[case.budgets]
"latency.glass_to_glass_ms.p95" = {warn = 500, fail = 1000}
"video.fps" = {fail = 1000}   # no stream reaches it: a budget that must fail

[[case]]
name = "nowhere"
url = "http://127.0.0.1:9/whep/none"
timeout_s = 1
"""


def bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``streamprobe bench`` on the suite in ``tmp_path``; relative output names land there."""
    outputs = [str(tmp_path / a) if a.endswith((".xml", ".json", ".md")) else a for a in args]
    return subprocess.run([*CLI, str(tmp_path / "suite.toml"), *outputs], capture_output=True,
                          text=True, timeout=240, cwd=ROOT)


@pytest.mark.integration
def test_budgets_baseline_and_junit_through_a_real_suite(tmp_path: Path) -> None:
    (tmp_path / "suite.toml").write_text(SUITE)
    done = bench(tmp_path, "--junit", "first.xml", "--save-baseline", "base.json",
                 "--markdown", "summary.md", "--json", "first.json")
    # A case that could not measure makes the suite exit 2, and the others still ran.
    assert done.returncode == 2, done.stderr
    result = json.loads((tmp_path / "first.json").read_text())
    room, nowhere = result["cases"]
    assert (room["status"], room["runs"], nowhere["status"]) == ("fail", 2, "error")
    assert "stopped after 2 runs" in nowhere["notes"][0]
    fps = next(item for item in room["limited"] if item["name"] == "video.fps")
    assert fps["status"] == "fail" and 20 < fps["value"] < 40

    xml = JUnitXml.fromfile(str(tmp_path / "first.xml"))
    suites = {suite.name: suite for suite in xml}
    failures = {case.name: case.result[0] for case in suites["room"]
                if case.result and isinstance(case.result[0], Failure)}
    assert set(failures) == {"budget video.fps"}
    message = failures["budget video.fps"].message
    assert f"{fps['value']:.4g} fps: fail" in message and "fail < 1000" in message
    assert any(isinstance(case.result[0], Error) for case in suites["nowhere"] if case.result)
    properties = {p.name: p.value for p in suites["room"].properties()}
    assert properties["aiortc"].startswith("1.") and properties["cpus"]
    assert "| room | ❌ fail | 2 |" in (tmp_path / "summary.md").read_text()

    # A baseline whose bitrate was three times today's: the regression must be found, with
    # its baseline and p in the message (false alarms are bench/bench_regression.py's).
    baseline = json.loads((tmp_path / "base.json").read_text())
    bitrate = baseline["cases"]["room"]["network.bitrate_kbps"]
    bitrate["samples"] = [3 * v * (1 + k / 100) for v in bitrate["samples"] for k in range(4)]
    (tmp_path / "base.json").write_text(json.dumps(baseline))
    (tmp_path / "suite.toml").write_text(SUITE.split("[[case]]\nname = \"nowhere\"")[0]
                                         .replace('"video.fps" = {fail = 1000}', ""))
    done = bench(tmp_path, "--baseline", "base.json", "--repeats", "4", "--junit", "second.xml")
    assert done.returncode == 1, done.stderr
    room = next(iter(JUnitXml.fromfile(str(tmp_path / "second.xml"))))
    failed = {case.name: case.result[0].message for case in room
              if case.result and isinstance(case.result[0], Failure)}
    assert "regression network.bitrate_kbps" in failed, failed
    assert "REGRESSION" in failed["regression network.bitrate_kbps"]
    assert "vs baseline" in failed["regression network.bitrate_kbps"]
    assert "p=" in failed["regression network.bitrate_kbps"]


def test_bad_suite_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "suite.toml").write_text('[[case]]\nname = "a"\nbudgets = {"x.y" = {fail = 1}}\n')
    done = bench(tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "case 'a'" in done.stderr and "x.y" in done.stderr
