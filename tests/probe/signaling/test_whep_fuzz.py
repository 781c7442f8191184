"""Property-based fuzzing of the WHEP client's handling of server responses (issue 15).

A real aiohttp server answers the client's POST with a drawn status, content type, headers and
body (mutated real answers, SDP-like garbage, bytes); the client negotiates a real aiortc peer.
Each example asserts: the exchange succeeds or raises ``SignalingError`` with a one-line message,
never any other exception, and the peer closes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Self

import pytest
from aiohttp import web
from aiortc import RTCPeerConnection
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from probe.errors import SignalingError
from probe.room.server import TestRoom
from probe.signaling.whep import MAX_BODY_BYTES, WhepSession


@dataclass
class Scripted:
    """What the fake endpoint answers next."""

    status: int = 201
    content_type: str = "application/sdp"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class EndpointThread:
    """An aiohttp endpoint in its own thread that answers every request as scripted."""

    def __init__(self) -> None:
        self.next = Scripted()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-endpoint")
        self.port = 0

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        if request.method == "DELETE":
            return web.Response(status=200)
        reply = self.next
        return web.Response(status=reply.status, body=reply.body, headers={
            **reply.headers, **({"Content-Type": reply.content_type} if reply.content_type else {})})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


async def _real_answer() -> str:
    """An answer of the real room to a real viewer offer."""
    async with TestRoom() as room:
        pc = RTCPeerConnection()
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")
        whep = WhepSession(room.whep_url())
        try:
            await whep.negotiate(pc, timeout_s=5)
            return pc.remoteDescription.sdp
        finally:
            await whep.close()
            await pc.close()


ANSWER = asyncio.run(_real_answer())


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["answer", "truncated", "line-edit", "sdp-like", "bytes"]))
    if kind == "answer":
        return ANSWER.encode()
    if kind == "truncated":
        return ANSWER.encode()[:draw(st.integers(0, len(ANSWER)))]
    if kind == "line-edit":
        lines = ANSWER.split("\r\n")
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = lines[at][:draw(st.integers(0, len(lines[at])))] + draw(st.text(max_size=20))
        return "\r\n".join(lines).encode("utf-8", errors="surrogatepass")
    if kind == "sdp-like":
        keys = st.sampled_from(["v=0", "m=video", "m=audio 9 UDP/TLS/RTP/SAVPF 96", "a=mid:",
                                "a=setup:", "a=fingerprint:", "c=IN IP4 ", "a=candidate:"])
        return "\r\n".join(k + v for k, v in draw(st.lists(
            st.tuples(keys, st.text(max_size=20)), max_size=10))).encode(
            "utf-8", errors="surrogatepass")
    return draw(st.binary(max_size=200))


@pytest.fixture(scope="module")
def endpoint() -> Iterator[EndpointThread]:
    with EndpointThread() as running:
        yield running


async def _negotiate(url: str) -> None:
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    whep = WhepSession(url)
    try:
        await whep.negotiate(pc, timeout_s=5)
    finally:
        await whep.close()
        await pc.close()


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(status=st.sampled_from([200, 201, 202, 204, 301, 307, 400, 401, 404, 406, 409, 500, 503]),
       content_type=st.sampled_from(["application/sdp", "text/plain", "", "application/SDP"]),
       location=st.one_of(st.none(), st.sampled_from(["/r/1", "http://[::1/x", "//", "r/2",
                                                      "http://127.0.0.1:1/gone"])),
       body=bodies())
def test_any_response_is_used_or_is_a_one_line_signaling_error(
        endpoint: EndpointThread, status: int, content_type: str, location: str | None,
        body: bytes) -> None:
    endpoint.next = Scripted(status=status, content_type=content_type, body=body,
                             headers={"Location": location} if location else {})
    try:
        asyncio.run(_negotiate(f"http://127.0.0.1:{endpoint.port}/whep/x"))
        event("used")
    except SignalingError as err:
        event("SignalingError")
        assert "\n" not in str(err) and str(err)


def test_an_answer_body_over_the_cap_is_refused(endpoint: EndpointThread) -> None:
    endpoint.next = Scripted(body=b"v=0\r\n" + b"a" * (MAX_BODY_BYTES + 10))
    with pytest.raises(SignalingError, match="body over 1024 KiB"):
        asyncio.run(_negotiate(f"http://127.0.0.1:{endpoint.port}/whep/x"))


def test_an_answer_with_a_bare_m_line_is_a_signaling_error(endpoint: EndpointThread) -> None:
    endpoint.next = Scripted(body=b"v=0\r\nm=video")
    with pytest.raises(SignalingError, match="cannot be used"):
        asyncio.run(_negotiate(f"http://127.0.0.1:{endpoint.port}/whep/x"))


def test_a_resource_nobody_listens_on_is_a_signaling_error_naming_it(
        endpoint: EndpointThread) -> None:
    """Server-offer mode (406) with a Location where nothing listens: the PATCH of the answer
    cannot connect, which is a one-line error naming that resource (hypothesis found it)."""
    endpoint.next = Scripted(status=406, body=ANSWER.encode(),
                             headers={"Location": "http://127.0.0.1:1/gone"})
    with pytest.raises(SignalingError, match=r"^cannot reach http://127\.0\.0\.1:1/gone: "):
        asyncio.run(_negotiate(f"http://127.0.0.1:{endpoint.port}/whep/x"))
