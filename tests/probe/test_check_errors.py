"""Bad targets end within their timeout with a one-line ProbeError and leave nothing behind.

Every server here is real: the built-in room, a plain aiohttp server that answers wrongly or never,
and an aiortc peer that answers properly but sends no media.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.check import CheckOptions, run_check
from probe.errors import InputError, MediaTimeout, SignalingError
from probe.room.server import RoomConfig, TestRoom
from tests.conftest import free_port

TIMEOUT_S = 3.0


async def serve(handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/whep/x", handler)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/whep/x"


async def expect_error(url: str, error: type[Exception], fragment: str) -> str:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        await run_check(CheckOptions(url=url, duration_s=1, timeout_s=TIMEOUT_S))
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    # Each wait is bounded by the timeout; signaling + connection + first frame at most.
    assert elapsed < 3 * TIMEOUT_S + 2
    return message


async def test_unreachable_url(leak_check) -> None:
    await expect_error(f"http://127.0.0.1:{free_port()}/whep/x", SignalingError, "cannot reach")
    await leak_check.assert_clean()


async def test_404_from_the_room(leak_check) -> None:
    async with TestRoom(RoomConfig()) as room:
        await expect_error(room.base_url() + "/nothing/here", SignalingError, "404")
    await leak_check.assert_clean()


async def test_answer_that_is_not_sdp(leak_check) -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(status=201, text="<html>hello</html>", content_type="text/html")

    runner, url = await serve(html)
    try:
        await expect_error(url, SignalingError, "did not answer with an SDP description")
    finally:
        await runner.cleanup()
    await leak_check.assert_clean()


async def test_server_that_never_answers(leak_check) -> None:
    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    runner, url = await serve(silent)
    try:
        await expect_error(url, SignalingError, "no answer from")
    finally:
        await runner.cleanup()
    await leak_check.assert_clean()


async def test_endpoint_that_never_sends_media(leak_check) -> None:
    peers: list[RTCPeerConnection] = []

    async def answer_without_media(request: web.Request) -> web.Response:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        peers.append(pc)
        await pc.setRemoteDescription(RTCSessionDescription(await request.text(), "offer"))
        with loopback_only():  # a server on this host, as the probe's own gathering is
            await pc.setLocalDescription(await pc.createAnswer())
        return web.Response(status=201, text=pc.localDescription.sdp,
                            content_type="application/sdp", headers={"Location": "/whep/x/1"})

    runner, url = await serve(answer_without_media)
    try:
        await expect_error(url, MediaTimeout, "no video frame arrived")
    finally:
        for pc in peers:
            await pc.close()
        await runner.cleanup()
    await leak_check.assert_clean()


async def test_unknown_scheme_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown scheme"):
        await run_check(CheckOptions(url="ftp://example/x"))


async def test_bad_thresholds_file_is_input_error(tmp_path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text("[nope]\nfail=1\n")
    with pytest.raises(InputError, match="unknown check"):
        await run_check(CheckOptions(thresholds=bad))
