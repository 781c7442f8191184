"""A Janus room the probe cannot measure ends with a one-line ``ProbeError`` (exit 2) in time.

Every server is a real Janus: a room that does not exist, a room nobody publishes in, a feed that
is not there, a server that is down, and a session that Janus times out (its session timeout cut
to 1 s through the admin API while the probe watches, as a stalled client or a server configured
below the probe's keepalive interval would have it). After each, Janus holds no session or handle.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from probe.check import CheckOptions, run_check
from probe.errors import MediaTimeout, ProbeError, SignalingError
from probe.pattern.spec import PatternSpec
from tests.conftest import free_port
from tests.support.janus_server import JanusConfig, janus_server

TIMEOUT_S = 2.0
WATCH_S = 30.0
SHORTENED_SESSION_TIMEOUT_S = 1
TOKEN = "streamprobe-test-token"
# Janus checks its sessions every 2 s (src/janus.c, janus_sessions_watchdog), then the probe's
# next watch tick (0.25 s) sees it.
JANUS_TIMEOUT_CHECK_S = 5.0


async def expect_error(url: str, error: type[ProbeError], fragment: str,
                       timeout_s: float = TIMEOUT_S) -> str:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        await run_check(CheckOptions(url=url, duration_s=1, timeout_s=timeout_s))
    message = str(caught.value)
    assert fragment in message and "\n" not in message
    assert time.monotonic() - started < 3 * timeout_s + 2
    return message


@pytest.mark.integration
@pytest.mark.parametrize("room, feed, error, fragments", [
    (999, None, SignalingError, ("no VideoRoom room 999", "public rooms there: 1234")),
    (1234, None, MediaTimeout, ("nobody published in Janus room 1234", "raise --timeout")),
    (1234, 42, MediaTimeout, ("feed 42 did not publish", "publishing: none")),
])
async def test_room_the_probe_cannot_watch(room: int, feed: int | None, error: type[ProbeError],
                                           fragments: tuple[str, ...], leak_check) -> None:
    async with janus_server() as janus:
        started = time.monotonic()
        message = await expect_error(janus.room_url(room, feed), error, fragments[0])
        assert all(fragment in message for fragment in fragments)
        if error is MediaTimeout:  # waited for a publisher the whole --timeout
            assert time.monotonic() - started >= TIMEOUT_S
        assert await janus.sessions() == []
    await leak_check.assert_clean()


async def test_janus_that_is_down(leak_check) -> None:
    await expect_error(f"janus://127.0.0.1:{free_port()}/1234", SignalingError,
                       "cannot reach Janus at http://127.0.0.1")
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_janus_token_is_sent_and_its_absence_named(leak_check) -> None:
    async with janus_server(JanusConfig(token_auth=True)) as janus:
        await janus.admin("add_token", token=TOKEN, plugins=["janus.plugin.videoroom"])
        with pytest.raises(SignalingError, match="pass a valid --token"):
            await run_check(CheckOptions(url=janus.room_url(1234), timeout_s=TIMEOUT_S))
        # With the token every request passes (the long poll too): the probe gets to waiting.
        with pytest.raises(MediaTimeout, match="nobody published"):
            await run_check(CheckOptions(url=janus.room_url(1234), timeout_s=TIMEOUT_S,
                                         token=TOKEN))
        assert await janus.sessions() == []
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_session_that_janus_times_out(leak_check) -> None:
    async with janus_server() as janus:
        watching = asyncio.Event()
        probe = asyncio.create_task(run_check(
            CheckOptions(publish_url=janus.room_url(1234), duration_s=WATCH_S, timeout_s=TIMEOUT_S,
                         pattern=PatternSpec(width=320, height=180)),
            on_progress=lambda progress: watching.set()))
        await asyncio.wait_for(watching.wait(), WATCH_S)
        # Below the probe's keepalive interval (a third of the 60 s it was told at the start).
        await janus.admin("set_session_timeout", timeout=SHORTENED_SESSION_TIMEOUT_S)
        with pytest.raises(SignalingError) as caught:
            await asyncio.wait_for(probe, JANUS_TIMEOUT_CHECK_S)
        message = str(caught.value)
        assert "Janus dropped session" in message and "session timeout expired" in message
        assert await janus.sessions() == []
        assert await janus.handles() == []
    await leak_check.assert_clean()
