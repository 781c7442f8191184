"""The probe against a real Janus VideoRoom (Debian's janus, started here on loopback).

The probe publishes its stamped pattern into the room and watches it come back through Janus: one
clock stamps and reads, so glass-to-glass is true latency through the SFU. The same full loop runs
through the built-in room (WHIP in, WHEP out). Every run must leave Janus with no session or handle.

The verdict is not asserted here: the publisher renders and encodes in the probe's own process, so
on a loaded 2-core machine a stall of the process shows as a freeze (a clean verdict through Janus
is shown with Chromium publishing, tests/probe/test_browser_publisher.py).
"""

from __future__ import annotations

import pytest

from probe.check import CheckOptions, run_check
from probe.errors import InputError
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom
from probe.signaling import open_publisher_signaling
from probe.signaling.janus import (
    JanusTarget,
    _keep_loopback_candidates,
    parse_janus_url,
)
from tests.support.janus_server import JanusConfig, JanusServer, janus_server

SPEC = PatternSpec(width=640, height=360, fps=30.0)
ENCODING = VideoEncoding(bitrate_kbps=800)
WATCH_S = 5.0
TIMEOUT_S = 8.0
# Shorter than the watch: only the probe's keepalives keep its sessions alive.
SHORT_SESSION_TIMEOUT_S = 2


async def assert_janus_clean(janus: JanusServer) -> None:
    """No session (hence no handle) is left in Janus."""
    assert await janus.sessions() == []


def assert_full_loop(report, protocol: str) -> None:
    assert report.target.protocol == protocol
    assert (report.video.width, report.video.height, report.video.codec) == (640, 360, "VP8")
    assert report.video.fps == pytest.approx(SPEC.fps, rel=0.2)
    assert report.video.frames >= 0.7 * SPEC.fps * WATCH_S
    assert report.latency.clock == "same-host"
    assert report.latency.stamps_read_fraction >= 0.95
    assert 0 < report.latency.glass_to_glass_ms.p50 < 400
    assert report.clarity.sharpness is not None and report.stutter.score is not None


@pytest.mark.integration
async def test_full_loop_through_janus(leak_check) -> None:
    config = JanusConfig(session_timeout_s=SHORT_SESSION_TIMEOUT_S)
    async with janus_server(config) as janus:
        report = await run_check(CheckOptions(
            publish_url=janus.room_url(1234), duration_s=WATCH_S, timeout_s=TIMEOUT_S,
            pattern=SPEC, encoding=ENCODING))
        await assert_janus_clean(janus)
    assert_full_loop(report, "janus")
    assert "?feed=" in report.target.url  # the probe watched its own feed
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_full_loop_through_the_test_room(leak_check) -> None:
    async with TestRoom(RoomConfig(pattern=SPEC, encoding=ENCODING)) as room:
        report = await run_check(CheckOptions(
            publish_url=room.whip_url("loop"), url=room.whep_url("loop"), duration_s=WATCH_S,
            timeout_s=TIMEOUT_S, pattern=SPEC, encoding=ENCODING))
        assert room.session_count == 0
    assert_full_loop(report, "whep")
    await leak_check.assert_clean()


def test_janus_candidates_kept_when_none_is_loopback() -> None:
    lan_only = "v=0\r\na=candidate:1 1 udp 2015363327 192.168.1.5 4000 typ host\r\n"
    mixed = lan_only + "a=candidate:2 1 udp 2015363327 127.0.0.1 4001 typ host\r\n"
    assert "192.168.1.5" in _keep_loopback_candidates(lan_only)
    assert "192.168.1.5" not in _keep_loopback_candidates(mixed)
    assert "127.0.0.1" in _keep_loopback_candidates(mixed)


def test_unknown_publish_scheme_is_input_error() -> None:
    with pytest.raises(InputError, match="cannot publish to 'ftp://x/y'.*WHIP URL"):
        open_publisher_signaling("ftp://x/y")


async def test_whip_publish_needs_a_view_url() -> None:
    with pytest.raises(InputError, match="give --view URL"):
        await run_check(CheckOptions(publish_url="http://127.0.0.1:9/whip/x"))


@pytest.mark.parametrize("url, target", [
    ("janus://127.0.0.1:8088/1234", JanusTarget("http://127.0.0.1:8088/janus", 1234)),
    ("janus://h/1234?feed=77", JanusTarget("http://h:8088/janus", 1234, 77)),
    ("janus+https://h/api/janus/lobby", JanusTarget("https://h:8089/api/janus", "lobby")),
    ("janus://[::1]:9/5", JanusTarget("http://[::1]:9/janus", 5)),
])
def test_janus_url_forms(url: str, target: JanusTarget) -> None:
    assert parse_janus_url(url) == target


@pytest.mark.parametrize("url, fragment", [
    ("janus://127.0.0.1:8088/", "janus://HOST:PORT/ROOM"),
    ("janus://127.0.0.1:8088/1234?pin=x", "unknown parameter 'pin'"),
])
def test_bad_janus_urls_are_input_errors(url: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment.replace("?", r"\?")):
        parse_janus_url(url)
