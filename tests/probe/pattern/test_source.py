"""The pattern source answers a keyframe request at once, not at its next frame tick."""

from __future__ import annotations

import asyncio
import time

import av

from probe.media.broadcast import Broadcast, PacketTrack
from probe.media.encoders import KEYFRAME_REQUEST_MIN_GAP_FRAMES, VideoEncodePipeline
from probe.media.encoding import VideoEncoding
from probe.pattern.source import PatternSource
from probe.pattern.spec import PatternSpec

FPS = 6.0  # a long frame interval (167 ms), so "at once" and "at the next tick" are far apart
PERIOD_S = 1.0 / FPS
RECV_TIMEOUT_S = 3.0


class Frames:
    """The packets a viewer track receives, with their arrival times (monotonic s)."""

    def __init__(self, track: PacketTrack) -> None:
        self._track = track
        self.arrived_s = time.monotonic()

    async def next(self) -> tuple[float, av.Packet]:
        """(seconds since the previous packet, next packet)."""
        packet = await asyncio.wait_for(self._track.recv(), RECV_TIMEOUT_S)
        previous_s, self.arrived_s = self.arrived_s, time.monotonic()
        return self.arrived_s - previous_s, packet


async def test_keyframe_request_is_answered_at_once_unless_a_keyframe_was_just_sent() -> None:
    video, audio = Broadcast("video"), Broadcast("audio")
    track = video.subscribe()
    source = PatternSource(PatternSpec(width=320, height=180, fps=FPS),
                           VideoEncodePipeline(VideoEncoding(), FPS, video), audio)
    source.start()
    frames = Frames(track)
    try:
        _, first = await frames.next()
        assert first.is_keyframe
        # Asked right after a keyframe: merged, served at the regular cadence once the gap is over.
        video.keyframe_requested.set()
        for index in range(1, KEYFRAME_REQUEST_MIN_GAP_FRAMES + 1):
            interval_s, packet = await frames.next()
            assert packet.is_keyframe == (index == KEYFRAME_REQUEST_MIN_GAP_FRAMES)
            assert interval_s > 0.7 * PERIOD_S  # no early frame
        for _ in range(KEYFRAME_REQUEST_MIN_GAP_FRAMES):
            _, packet = await frames.next()
            assert not packet.is_keyframe
        # Past the gap, a request is served at once: long before the tick a frame away.
        video.keyframe_requested.set()
        asked_s = time.monotonic()
        _, answer = await frames.next()
        assert answer.is_keyframe
        assert frames.arrived_s - asked_s < 0.5 * PERIOD_S
        # The cadence goes on from the keyframe: the next frame a full interval later.
        interval_s, after = await frames.next()
        assert not after.is_keyframe
        assert interval_s > 0.7 * PERIOD_S
    finally:
        await source.stop()
        track.stop()
