"""The embedded room's child process: a machine-readable handshake, and a clean stop."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from probe.errors import ProbeError
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec
from probe.room.process import config_from_json, config_to_json, room_process
from probe.room.server import RoomConfig


def test_config_round_trips_through_json() -> None:
    config = RoomConfig(port=0, pattern=PatternSpec(width=320, height=180, av_offset_ms=-80),
                        token="t", impair=parse_impair_spec("loss=2%,outage=1s@3s"))
    assert config_from_json(config_to_json(config)) == config


@pytest.mark.integration
async def test_room_process_answers_with_its_port_and_pid() -> None:
    async with room_process(RoomConfig(pattern=PatternSpec(width=320, height=180))) as room:
        assert room.base_url == f"http://127.0.0.1:{room.port}"
        health = json.loads(urllib.request.urlopen(f"{room.base_url}/health", timeout=5).read())
        assert health["sessions"] == 0 and health["hook_failures"] == []
        with open(f"/proc/{room.pid}/cmdline", "rb") as cmdline:
            assert b"probe.room" in cmdline.read()


def test_room_that_cannot_start_says_why_in_one_json_line() -> None:
    bad = config_to_json(RoomConfig()).replace('"port": 0', '"port": 70000')
    done = subprocess.run([sys.executable, "-m", "probe.room", bad], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    (line,) = done.stdout.splitlines()
    event = json.loads(line)
    assert event["event"] == "error" and event["message"]


async def test_room_process_error_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match="exited at start"):
        async with room_process(RoomConfig(host="256.0.0.1")):
            pass
