"""The room keeps a WHIP publisher whose media flows though it answers no consent checks (as
FFmpeg's WHIP muxer), drops one that sends nothing, and lets a new publish replace a publisher
that is gone (killed without DELETE).

The publishers are real aiortc peers; the one fault no peer here has by itself, FFmpeg's silence
on consent checks, is made by dropping the binding requests its ICE agent receives once it is
connected. aioice's consent interval is shortened (its module constant) so that six missed
checks take a second, not 30.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from collections.abc import AsyncIterator
from typing import Any

import aioice.ice
import av
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection

from probe.aiortc_hooks import media_consent
from probe.errors import SignalingError
from probe.pattern.spec import PatternSpec
from probe.room import server as room_server
from probe.room.server import RoomConfig, TestRoom
from probe.signaling.ice_servers import peer_configuration
from probe.signaling.whep import WhepSession

SPEC = PatternSpec(width=320, height=180, fps=30.0)
CONSENT_INTERVAL_S = 0.1
WAIT_S = 15.0


class Camera(MediaStreamTrack):
    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(1 / SPEC.fps)
        frame = av.VideoFrame.from_ndarray(
            np.full((SPEC.height, SPEC.width, 3), self._n % 255, np.uint8), format="rgb24")
        frame.pts, frame.time_base = self._n * 3000, fractions.Fraction(1, 90000)
        self._n += 1
        return frame


def kill(pc: RTCPeerConnection) -> None:
    """As a killed process: its sockets close at once, nothing more is sent (no DELETE, no
    DTLS close, no RTCP BYE)."""
    for transceiver in pc.getTransceivers():
        for protocol in transceiver.receiver.transport.transport._connection._protocols:
            protocol.transport.close()


def ignore_consent_checks(pc: RTCPeerConnection) -> None:
    """FFmpeg's fault: once connected, binding requests from the other side go unanswered."""
    for transceiver in pc.getTransceivers():
        connection = transceiver.receiver.transport.transport._connection
        answer = connection.request_received

        def unanswered(message: Any, addr: Any, protocol: Any, raw: bytes,
                       _answer: Any = answer, _connection: Any = connection) -> None:
            if _connection._nominated:
                return
            _answer(message, addr, protocol, raw)

        connection.request_received = unanswered


@contextlib.asynccontextmanager
async def publisher(room: TestRoom) -> AsyncIterator[RTCPeerConnection]:
    pc = RTCPeerConnection(peer_configuration())
    pc.addTransceiver(Camera(), direction="sendonly")
    whip = WhepSession(room.whip_url("show"))
    try:
        await whip.negotiate(pc, timeout_s=5)
        yield pc
    finally:
        await whip.close()
        await pc.close()


async def until(condition: Any, timeout_s: float = WAIT_S) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)


def the_publisher_session(room: TestRoom) -> Any:
    (session,) = [s for s in room._sessions.values() if s.relay is not None]
    return session


@pytest.fixture
def fast_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", CONSENT_INTERVAL_S)
    monkeypatch.setattr(media_consent, "MEDIA_CONSENT_S", 1.0)


@pytest.mark.integration
async def test_a_publisher_that_ignores_consent_stays_while_its_media_flows(fast_consent) -> None:
    async with TestRoom(RoomConfig(pattern=SPEC)) as room, publisher(room) as pc:
        await until(lambda: pc.connectionState == "connected")
        ignore_consent_checks(pc)
        consent = the_publisher_session(room).consent
        # Well past the six missed checks (RFC 7675 expiry in aioice) that used to end it.
        await until(lambda: consent.checks_passed_by_media > aioice.ice.CONSENT_FAILURES)
        assert room.session_count == 1 and room._streams["show"].publisher is not None
        # It dies: now consent expires with no media either, and the pattern takes over.
        kill(pc)
        # (the room may drop the stream outright once nobody publishes or watches it)
        await until(lambda: "show" not in room._streams or room._streams["show"].publisher is None)
        assert room.session_count == 0


@pytest.mark.integration
async def test_a_new_publish_replaces_a_publisher_that_is_gone() -> None:
    async with TestRoom(RoomConfig(pattern=SPEC)) as room, publisher(room) as first:
        await until(lambda: first.connectionState == "connected")
        consent = the_publisher_session(room).consent
        await until(lambda: consent.last_media_s > 0)
        with pytest.raises(SignalingError, match="409"):
            async with publisher(room):
                pass  # still sending: the stream is taken
        # Killed without DELETE: its media stops, its session lingers.
        kill(first)
        await until(lambda: time.monotonic() - consent.last_media_s > room_server.PUBLISHER_GONE_S)
        async with publisher(room) as second:
            await until(lambda: second.connectionState == "connected")
            session = the_publisher_session(room)
            assert session.consent is not consent and room.session_count == 1
