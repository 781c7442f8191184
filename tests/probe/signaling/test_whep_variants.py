"""WHEP as servers written by others speak it: server-offer mode (406 + offer, answered by PATCH),
an offer where an answer belongs, redirects, and ICE servers named in Link headers.

Every server is real: the built-in room, and small aiohttp fronts with their own aiortc peers,
a redirector in front of the room, and a STUN server answering binding requests on loopback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import ClientSession, web
from aiortc import AudioStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.check import CheckOptions, run_check
from probe.errors import SignalingError
from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom
from probe.signaling.ice_servers import peer_configuration
from tests.conftest import free_port
from tests.support.stun_server import StunServer, stun_server

SMALL = PatternSpec(width=320, height=180, fps=30.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve(routes: list[web.RouteDef]) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


class ServerOfferFront:
    """A WHEP endpoint in server-offer mode, as janus-whep-server's VideoRoom endpoint: the
    client's offer is refused with 406 and the server's own offer; the answer comes by PATCH."""

    def __init__(self) -> None:
        self.peers: list[RTCPeerConnection] = []
        self.patched = asyncio.Event()

    async def post(self, request: web.Request) -> web.Response:
        assert (await request.text()).startswith("v=0")  # it does get the client's offer
        pc = RTCPeerConnection(peer_configuration())
        self.peers.append(pc)
        # Janus offers both kinds; aiortc cannot answer with a transceiver the offer left out.
        pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
        pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
        with loopback_only():
            await pc.setLocalDescription(await pc.createOffer())
        return web.Response(status=406, text=pc.localDescription.sdp,
                            content_type="application/sdp",
                            headers={"Location": f"/resource/{len(self.peers) - 1}"})

    async def patch(self, request: web.Request) -> web.Response:
        assert request.content_type == "application/sdp"
        pc = self.peers[int(request.match_info["n"])]
        await pc.setRemoteDescription(RTCSessionDescription(await request.text(), "answer"))
        self.patched.set()
        return web.Response(status=204)

    async def delete(self, request: web.Request) -> web.Response:
        await self.peers[int(request.match_info["n"])].close()
        return web.Response(status=200)


@pytest.mark.integration
async def test_server_offer_mode_is_answered_by_patch(leak_check) -> None:
    front = ServerOfferFront()
    runner, base = await serve([web.post("/whep/room", front.post),
                                web.patch("/resource/{n}", front.patch),
                                web.delete("/resource/{n}", front.delete)])
    try:
        report = await run_check(CheckOptions(url=f"{base}/whep/room", duration_s=2,
                                              timeout_s=5))
    finally:
        for pc in front.peers:
            await pc.close()
        await runner.cleanup()
    assert front.patched.is_set()
    assert report.video.frames > 30 and (report.video.width, report.video.height) == (640, 480)
    assert any("server-offer mode" in note for note in report.notes)
    # aiortc's own sender reports (send clock), not known to tell the capture clock: last hop.
    assert report.latency.glass_to_glass_ms is None
    g2g = next(c for c in report.checks if c.name == "glass_to_glass_p95_ms")
    assert g2g.status == "not_measured" and g2g.value is None
    await leak_check.assert_clean()


async def test_an_offer_where_an_answer_belongs_is_a_one_line_error(leak_check) -> None:
    peers: list[RTCPeerConnection] = []

    async def offers_instead(request: web.Request) -> web.Response:
        pc = RTCPeerConnection(peer_configuration())
        peers.append(pc)
        pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        return web.Response(status=201, text=pc.localDescription.sdp,
                            content_type="application/sdp", headers={"Location": "/r/1"})

    runner, base = await serve([web.post("/whep/x", offers_instead)])
    try:
        with pytest.raises(SignalingError) as caught:
            await run_check(CheckOptions(url=f"{base}/whep/x", duration_s=1, timeout_s=3))
    finally:
        for pc in peers:
            await pc.close()
        await runner.cleanup()
    message = str(caught.value)
    assert "answered with an SDP offer" in message and "a=setup:actpass" in message
    assert f"{base}/whep/x" in message and "\n" not in message
    await leak_check.assert_clean()


@pytest.fixture
async def redirector() -> AsyncIterator[tuple[str, TestRoom]]:
    """POST /CODE/... answered with a CODE redirect to the room's /whep/...; /loop redirects to
    itself."""
    async with TestRoom(RoomConfig(pattern=SMALL)) as room:
        async def redirect(request: web.Request) -> web.Response:
            code = int(request.match_info["code"])
            return web.Response(status=code, headers={
                "Location": f"{room.base_url()}/{request.match_info['rest']}"})

        async def loop(request: web.Request) -> web.Response:
            return web.Response(status=307, headers={"Location": "/loop"})

        runner, base = await serve([web.route("*", "/{code:\\d{3}}/{rest:.*}", redirect),
                                    web.post("/loop", loop)])
        try:
            yield base, room
        finally:
            await runner.cleanup()


@pytest.mark.integration
@pytest.mark.parametrize("code", [307, 308, 301, 302])
async def test_redirects_keep_the_post(code: int, redirector, leak_check) -> None:
    base, room = redirector
    report = await run_check(CheckOptions(url=f"{base}/{code}/whep/pattern", duration_s=1,
                                          timeout_s=5))
    assert report.video.frames > 10
    assert f"redirected to {room.whep_url()}" in " ".join(report.notes)
    assert room.session_count == 0  # the resource was found on the room and deleted there
    await leak_check.assert_clean()


async def test_303_and_loops_are_errors_naming_where_they_point(redirector) -> None:
    base, room = redirector
    with pytest.raises(SignalingError) as caught:
        await run_check(CheckOptions(url=f"{base}/303/whep/pattern", duration_s=1, timeout_s=3))
    assert "303 See Other" in str(caught.value) and room.whep_url() in str(caught.value)
    with pytest.raises(SignalingError, match="redirects in a loop"):
        await run_check(CheckOptions(url=f"{base}/loop", duration_s=1, timeout_s=3))
    assert room.session_count == 0


@pytest.fixture
async def stun() -> AsyncIterator[StunServer]:
    async with stun_server() as server:
        yield server


@pytest.mark.integration
async def test_link_ice_servers_from_options_are_gathered_with(stun, leak_check) -> None:
    """A front that names a STUN server in its OPTIONS Link header (and a TURN server only in
    its 201): the probe gathers with the first and says it could not use the second."""
    server, port = stun, stun.port
    turn = "turn:127.0.0.1:9?transport=udp"
    async with TestRoom(RoomConfig(pattern=SMALL)) as room:
        async def options(request: web.Request) -> web.Response:
            return web.Response(status=204, headers={
                "Link": f'<stun:127.0.0.1:{port}>; rel="ice-server"'})

        async def post(request: web.Request) -> web.Response:
            async with ClientSession() as http:
                async with http.post(room.whep_url(), data=await request.read(),
                                     headers={"Content-Type": "application/sdp"}) as answer:
                    return web.Response(status=answer.status, text=await answer.text(),
                                        content_type="application/sdp", headers={
                                            "Location": room.base_url() + answer.headers["Location"],
                                            "Link": f'<{turn}>; rel="ice-server"; username="u"; '
                                                    'credential="p"; credential-type="password"'})

        runner, base = await serve([web.options("/whep/x", options), web.post("/whep/x", post)])
        try:
            report = await run_check(CheckOptions(url=f"{base}/whep/x", duration_s=1,
                                                  timeout_s=5))
        finally:
            await runner.cleanup()
        assert room.session_count == 0
    assert server.requests >= 1  # the probe asked the advertised STUN server
    notes = " ".join(report.notes)
    assert f"stun:127.0.0.1:{port}" in notes
    assert "could not use" in notes and turn in notes and "(user u)" in notes and "p\"" not in notes
    split = report.latency.time_to_first_frame_split_ms
    assert split.gathering_ms < 2000  # answered at once: gathering did not wait out aioice's 5 s
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_no_ice_server_unless_given(stun, leak_check) -> None:
    """By default nothing is asked of any STUN server; with --ice-server the given one is."""
    server, port = stun, stun.port
    from probe.signaling.ice_servers import parse_ice_server

    await run_check(CheckOptions(duration_s=1, pattern=SMALL))
    assert server.requests == 0
    await run_check(CheckOptions(duration_s=1, pattern=SMALL,
                                 ice_servers=(parse_ice_server(f"stun:127.0.0.1:{port}"),)))
    assert server.requests >= 1
    await leak_check.assert_clean()
