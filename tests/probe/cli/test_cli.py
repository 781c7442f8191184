"""End-to-end CLI runs in separate processes: exit codes, JSON on stdout, one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import free_port

CLI = [sys.executable, "-m", "probe.cli"]


def run_cli(*args: str, timeout_s: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout_s)


@pytest.mark.integration
def test_default_check_json_meets_the_foundation_bar() -> None:
    done = run_cli("check", "--duration", "8", "--json", "-")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == "streamprobe.report/1"
    assert report["video"]["frames"] > 0
    assert report["video"]["fps"] == pytest.approx(30.0, rel=0.10)
    assert report["latency"]["time_to_first_frame_ms"] is not None
    assert report["latency"]["glass_to_glass_ms"]["p50"] < 250
    assert report["latency"]["stamps_read_fraction"] >= 0.99
    # One or two short delivery freezes on a busy 2-core machine (the room's encoder and the
    # probe's decoder starved of CPU) warn; nothing else may be short of the bar.
    short_of_bar = {c["name"] for c in report["checks"] if c["status"] != "pass"}
    assert short_of_bar <= {"freeze_count"}, report["checks"]
    assert report["verdict"] in ("pass", "warn")


def health(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read())


def start_server(port: int) -> subprocess.Popen[str]:
    """``streamprobe serve`` in its own process, returned once it answers /health."""
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--width", "640",
                               "--height", "360"], stdout=subprocess.PIPE, text=True)
    try:
        _wait_for_health(port)
    except AssertionError:
        server.kill()
        raise
    return server


def _wait_for_health(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            health(port)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError("serve did not come up") from None
            time.sleep(0.2)


@pytest.mark.integration
def test_serve_and_two_checks_in_other_processes() -> None:
    port = free_port()
    server = start_server(port)
    try:
        url = f"http://127.0.0.1:{port}/whep/pattern"
        viewers = [subprocess.Popen([*CLI, "check", url, "--duration", "4", "--json", "-"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(2)]
        for viewer in viewers:
            out, err = viewer.communicate(timeout=60)
            assert viewer.returncode == 0, err or out  # exit 1: the report says which check
            report = json.loads(out)
            assert report["target"]["protocol"] == "whep"
            assert report["video"]["width"] == 640
            assert report["latency"]["stamps_read_fraction"] >= 0.99
        assert health(port)["sessions"] == 0
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.integration
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_leaves_the_stream_and_exits(signum: int, code: int) -> None:
    """Ctrl-C (or a CI runner's SIGTERM) mid-check: the WHEP resource is deleted on the way
    out and the exit code is 128 + the signal's number."""
    port = free_port()
    server = start_server(port)
    try:
        viewer = subprocess.Popen([*CLI, "check", f"http://127.0.0.1:{port}/whep/pattern",
                                   "--duration", "60"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while health(port)["connected"] == 0:
            assert time.monotonic() < deadline, "the viewer never connected"
            time.sleep(0.2)
        viewer.send_signal(signum)
        _, err = viewer.communicate(timeout=15)
        assert viewer.returncode == code, err
        assert health(port)["sessions"] == 0  # the WHEP resource was deleted on the way out
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("args, fragment", [
    (["check", "http://127.0.0.1:1/whep/x", "--timeout", "2"], "cannot reach"),
    (["check", "ftp://x/y"], "unknown scheme"),
    (["check", "--duration", "-1"], "is not a finite number above 0"),
    (["check", "--duration", "nan"], "is not a finite number above 0"),
    (["check", "--timeout", "inf"], "is not a finite number above 0"),
    (["check", "--timeout", "nan"], "is not a finite number above 0"),
    (["check", "--timeout", "1e9"], "at most 3600"),
    (["check", "--av-offset", "nan"], "is not a finite number"),
    (["check", "http://[::1/whep"], "cannot parse the URL"),
    (["check", "http://127.0.0.1:99999/whep/x"], "Port out of range"),
    (["check", "http:///whep/x"], "names no host"),
    (["check", "--token-file", "/nonexistent/token"], "cannot read"),
    (["check", "--token", "a", "--token-file", "/etc/hostname"], "give the token once"),
    (["analyze", "/nonexistent.mp4"], "no such file"),
    (["check", "--width", "641"], "even"),
    (["check", "--impair", "loss=5,delay=80ms"], "impair field loss"),
    (["check", "http://127.0.0.1:1/whep/x", "--impair", "delay=10ms"], "embedded test room only"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], fragment: str) -> None:
    done = run_cli(*args, timeout_s=30)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert any(fragment in line for line in lines), done.stderr
    assert "Traceback" not in done.stderr


def test_help_lists_the_commands() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    for command in ("check", "analyze", "serve"):
        assert command in done.stdout


@pytest.mark.integration
def test_timeout_command_leaves_no_session_on_the_server() -> None:
    """``timeout 5 streamprobe check URL --duration 30``: coreutils signals the check twice;
    the check still deletes its WHEP resource (issue 15)."""
    port = free_port()
    server = start_server(port)
    try:
        done = subprocess.run(["timeout", "5", *CLI, "check",
                               f"http://127.0.0.1:{port}/whep/pattern", "--duration", "30"],
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 124, done.stderr  # timeout's own code: it had to stop it
        assert "interrupted again" not in done.stderr
        assert health(port)["sessions"] == 0
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.integration
def test_token_from_the_environment_and_debug_keeps_exit_2(tmp_path) -> None:
    """The room takes its token from $STREAMPROBE_TOKEN; a check without it is refused with a
    one-line error and exit 2, with --debug too (its traceback first); --token-file works."""
    port = free_port()
    env = {**os.environ, "STREAMPROBE_TOKEN": "s3cret"}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--width", "320",
                               "--height", "180"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        _wait_for_health(port)
        url = f"http://127.0.0.1:{port}/whep/pattern"
        refused = run_cli("--debug", "check", url, "--timeout", "5", timeout_s=30)
        assert refused.returncode == 2, refused.stderr
        assert "streamprobe: error:" in refused.stderr.splitlines()[-1]
        assert "pass a valid --token" in refused.stderr
        token_file = tmp_path / "token"
        token_file.write_text("s3cret\n")
        done = run_cli("check", url, "--duration", "2", "--token-file", str(token_file),
                       "--json", "-", timeout_s=60)
        assert done.returncode in (0, 1), done.stderr
        assert json.loads(done.stdout)["video"]["frames"] > 0
        assert health(port)["sessions"] == 0
    finally:
        server.terminate()
        server.wait(timeout=10)
