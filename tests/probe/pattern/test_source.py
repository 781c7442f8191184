"""The pattern source answers a keyframe request at once, not at its next frame tick."""

from __future__ import annotations

import asyncio
import time

import av

from probe.media.broadcast import Broadcast, PacketTrack
from probe.media.encoders import KEYFRAME_REQUEST_MIN_GAP_S, VideoEncodePipeline
from probe.media.encoding import VideoEncoding
from probe.pattern.source import PatternSource
from probe.pattern.spec import PatternSpec

FPS = 2.0  # a long frame interval (500 ms), far longer than the keyframe gap (300 ms)
PERIOD_S = 1.0 / FPS
RECV_TIMEOUT_S = 3.0
TIMER_SLACK_S = 0.08


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
        # Asked right after a keyframe: served when libwebrtc's gap since it has passed, before
        # the next tick.
        video.keyframe_requested.set()
        interval_s, packet = await frames.next()
        assert packet.is_keyframe
        assert KEYFRAME_REQUEST_MIN_GAP_S - TIMER_SLACK_S / 4 < interval_s
        assert interval_s < KEYFRAME_REQUEST_MIN_GAP_S + TIMER_SLACK_S < PERIOD_S
        # The cadence goes on from the keyframe: the next frame a full interval later.
        interval_s, after = await frames.next()
        assert not after.is_keyframe
        assert interval_s > PERIOD_S - TIMER_SLACK_S
        # Past the gap, a request is served at once: long before the tick a frame away.
        video.keyframe_requested.set()
        asked_s = time.monotonic()
        _, answer = await frames.next()
        assert answer.is_keyframe
        assert frames.arrived_s - asked_s < TIMER_SLACK_S
    finally:
        await source.stop()
        track.stop()
