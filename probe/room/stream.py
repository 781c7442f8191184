"""One named stream of the test room: its source (pattern or WHIP publisher) and its viewers.

While a publisher is connected its media is decoded, re-encoded once at the room's settings and
sent to every viewer; otherwise, while anyone watches, the stamped test pattern plays.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

from aiortc import MediaStreamTrack

from probe.media.broadcast import Broadcast, PacketTrack
from probe.media.encoders import AudioEncodePipeline, VideoEncodePipeline
from probe.media.encoding import VideoEncoding
from probe.media.frames import frames_of
from probe.pattern.source import PatternSource
from probe.pattern.spec import PatternSpec

log = logging.getLogger(__name__)


class PublisherRelay:
    """Decoded frames of a WHIP publisher's tracks, re-encoded once into the stream's broadcasts.

    The room is then a relay: its sender reports to viewers tell its own send clock, so a
    viewer's sender-report latency is the last hop from the room (``latency.last_hop_ms``).
    """

    def __init__(self, video: VideoEncodePipeline, audio: Broadcast) -> None:
        self._video = video
        self._audio_out = audio
        self._audio = AudioEncodePipeline()
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="relay")
        self._tasks: list[asyncio.Task[None]] = []

    def add_track(self, track: MediaStreamTrack) -> None:
        pump = self._pump_video if track.kind == "video" else self._pump_audio
        self._tasks.append(asyncio.create_task(pump(track), name=f"relay-{track.kind}"))

    async def _pump_video(self, track: MediaStreamTrack) -> None:
        loop = asyncio.get_running_loop()
        async for frame in frames_of(track):
            packets = await loop.run_in_executor(self._worker, self._video.encode, frame)
            for packet in packets:
                self._video.broadcast.publish(packet)

    async def _pump_audio(self, track: MediaStreamTrack) -> None:
        async for frame in frames_of(track):
            for packet in self._audio.encode(frame):
                self._audio_out.publish(packet)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._worker.shutdown(wait=True, cancel_futures=True)


class RoomStream:
    """A stream viewers can join by name; plays the pattern when nobody publishes."""

    def __init__(self, name: str, pattern: PatternSpec, encoding: VideoEncoding) -> None:
        self.name = name
        self.pattern_spec = pattern
        self.encoding = encoding
        self.video = Broadcast("video")
        self.audio = Broadcast("audio")
        self._video_pipeline = VideoEncodePipeline(encoding, pattern.fps, self.video)
        self._pattern: PatternSource | None = None
        self._closing: set[asyncio.Future[None]] = set()  # failed patterns being stopped
        self.publisher: PublisherRelay | None = None
        self.source_switches = 0  # pattern <-> publisher switches (logged; in /health)

    def subscribe(self, kind: str) -> PacketTrack:
        """A viewer track of ``kind`` ("video" or "audio"); starts the pattern when needed."""
        track = (self.video if kind == "video" else self.audio).subscribe()
        if self.publisher is None and self._pattern is None:
            self._start_pattern()
        return track

    def _start_pattern(self) -> None:
        """Play the pattern from a fresh encoder (its pts start again near 0)."""
        self._video_pipeline.restart()
        pattern = self._pattern = PatternSource(self.pattern_spec, self._video_pipeline,
                                                self.audio)
        pattern.start().add_done_callback(lambda task: self._source_ended(pattern, task))

    def _source_ended(self, pattern: PatternSource, task: asyncio.Task[None]) -> None:
        """A media loop failed: log it and end the stream for its viewers (they see it end)."""
        if task.cancelled() or task.exception() is None or self._pattern is not pattern:
            return
        err = task.exception()
        log.error("stream %r: the test pattern stopped: %s: %s", self.name,
                  type(err).__name__, err)
        self._pattern = None
        self.video.close()
        self.audio.close()
        stopping = asyncio.ensure_future(pattern.stop())
        self._closing.add(stopping)
        stopping.add_done_callback(self._closing.discard)

    @property
    def viewers(self) -> int:
        return self.video.viewers

    async def release_if_idle(self) -> None:
        """Stop the pattern when no viewer is left (an idle room costs no CPU)."""
        if self.video.viewers == 0 and self.audio.viewers == 0 and self._pattern is not None:
            pattern, self._pattern = self._pattern, None
            await pattern.stop()

    async def attach_publisher(self, tracks: list[MediaStreamTrack]) -> PublisherRelay:
        """Route a publisher's tracks to the viewers, replacing the pattern."""
        if self._pattern is not None:
            pattern, self._pattern = self._pattern, None
            await pattern.stop()
        self._video_pipeline.restart()  # the publisher's pts have their own origin
        relay = PublisherRelay(self._video_pipeline, self.audio)
        for track in tracks:
            relay.add_track(track)
        self.publisher = relay
        self.source_switches += 1
        self.video.keyframe_requested.set()
        log.info("stream %r: source is now a WHIP publisher", self.name)
        return relay

    async def detach_publisher(self, relay: PublisherRelay) -> None:
        """The publisher left: stop relaying; the pattern resumes if anyone still watches."""
        await relay.stop()
        if self.publisher is relay:
            self.publisher = None
            self.source_switches += 1
            log.info("stream %r: the publisher left; source is now the test pattern%s",
                     self.name, "" if self.viewers else " (idle: nobody watches)")
            if self.viewers:
                self._start_pattern()

    async def close(self) -> None:
        if self.publisher is not None:
            await self.detach_publisher(self.publisher)
        self.video.close()
        self.audio.close()
        await self.release_if_idle()
        await asyncio.gather(*self._closing, return_exceptions=True)

