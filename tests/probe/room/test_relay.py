"""A WHIP publisher's media reaches WHEP viewers through the room (decoded, re-encoded once)."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from collections.abc import AsyncIterator

import av
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import Target
from metrics.verdict import load_limits
from probe.check import CheckOptions, run_check
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom
from probe.signaling import open_viewer_signaling
from probe.signaling.ice_servers import peer_configuration
from probe.signaling.whep import WhepSession
from probe.viewer.peer import Viewer

SPEC = PatternSpec(width=640, height=360, fps=30.0)


class StampedCamera(MediaStreamTrack):
    """A publisher-side camera: the stamped pattern as raw frames, encoded by aiortc itself."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._renderer = PatternRenderer(SPEC)
        self._counter = 0
        self._start_s: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start_s is None:
            self._start_s = time.monotonic()
        due_s = self._start_s + self._counter / SPEC.fps
        await asyncio.sleep(max(0.0, due_s - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(
            self._renderer.video_frame(self._counter, int(time.time() * 1000)), format="yuv420p")
        frame.pts, frame.time_base = self._counter * 3000, fractions.Fraction(1, 90000)
        self._counter += 1
        return frame


@contextlib.asynccontextmanager
async def stamped_publisher(whip_url: str) -> AsyncIterator[None]:
    """An aiortc peer publishing ``StampedCamera`` by WHIP while open."""
    publisher = RTCPeerConnection(peer_configuration())
    publisher.addTransceiver(StampedCamera(), direction="sendonly")
    whip = WhepSession(whip_url, protocol="whep")
    try:
        await whip.negotiate(publisher, timeout_s=5)
        yield
    finally:
        await whip.close()
        await publisher.close()


@pytest.mark.integration
async def test_whip_publisher_is_relayed_to_a_whep_viewer(leak_check) -> None:
    async with TestRoom(RoomConfig(pattern=SPEC)) as room:
        async with stamped_publisher(room.whip_url("show")):
            report = await run_check(CheckOptions(url=room.whep_url("show"), duration_s=4))
        assert room.session_count == 0
    assert report.video.frames > 60
    assert (report.video.width, report.video.height) == (640, 360)
    # The publisher's own stamps come through: its clock, relayed, read on nearly every frame.
    assert report.latency.stamps_read_fraction >= 0.95
    assert 0 < report.latency.glass_to_glass_ms.p50 < 400
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_a_relaying_room_gives_the_last_hop_not_glass_to_glass(leak_check) -> None:
    """Relaying a publisher, the room's sender reports tell its own send clock: the viewer
    reports them as the last hop, beside the publisher's stamps' true glass-to-glass, and the
    hop is the shorter (it leaves out the publisher's encode and the room's re-encode)."""
    analyzer = StreamAnalyzer()
    async with TestRoom(RoomConfig(pattern=SPEC)) as room, \
            stamped_publisher(room.whip_url("show")):
        viewer = open_viewer_signaling(room.whep_url("show"))
        await Viewer(viewer, analyzer).watch(duration_s=6.0, timeout_s=10.0)

    def latency(clock):
        facts = RunFacts(target=Target(url=room.whep_url("show"), protocol="whep"), clock=clock)
        return analyzer.report(facts, load_limits(None))

    stamped, unstamped = latency("same-host"), latency("none")
    assert stamped.latency.clock == "same-host"
    assert stamped.latency.last_hop_ms.p50 < stamped.latency.glass_to_glass_ms.p50
    # Without stamps of ours the same run has no glass-to-glass: the check says so.
    assert unstamped.latency.clock == "rtcp" and unstamped.latency.glass_to_glass_ms is None
    assert unstamped.latency.last_hop_ms == stamped.latency.last_hop_ms
    check = next(c for c in unstamped.checks if c.name == "glass_to_glass_p95_ms")
    assert check.status == "not_measured" and check.value is None
    assert any("glass-to-glass not measured" in n for n in unstamped.notes)
    assert all(row.latency_ms is not None for row in unstamped.timeline[1:])
    await leak_check.assert_clean()
