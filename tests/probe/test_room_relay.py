"""A WHIP publisher's media reaches WHEP viewers through the room (decoded, re-encoded once)."""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection

from probe.check import CheckOptions, run_check
from probe.pattern import PatternRenderer, PatternSpec
from probe.room import RoomConfig, TestRoom
from probe.whep import WhepSession

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


@pytest.mark.integration
async def test_whip_publisher_is_relayed_to_a_whep_viewer(leak_check) -> None:
    async with TestRoom(RoomConfig(pattern=SPEC)) as room:
        publisher = RTCPeerConnection()
        publisher.addTransceiver(StampedCamera(), direction="sendonly")
        whip = WhepSession(room.whip_url("show"), protocol="whep")
        try:
            await whip.negotiate(publisher, timeout_s=5)
            report = await run_check(CheckOptions(url=room.whep_url("show"), duration_s=4))
        finally:
            await whip.close()
            await publisher.close()
        assert room.session_count == 0
    assert report.video.frames > 60
    assert (report.video.width, report.video.height) == (640, 360)
    # The publisher's own stamps come through: its clock, relayed, read on nearly every frame.
    assert report.latency.stamps_read_fraction >= 0.95
    assert 0 < report.latency.glass_to_glass_ms.p50 < 400
    await leak_check.assert_clean()
