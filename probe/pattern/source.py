"""The live test-pattern source: renders the stamped pattern in real time and encodes it.

Video frames are rendered at the pattern's fps on a monotonic schedule and stamped with the
wall clock at render time (their capture time); their pts (90 kHz) follow that capture time, so
RTP timestamps carry it too, and the broadcasts know the wall clock of pts 0 so that the sender
reports can say so (``probe.aiortc_hooks.sender_reports``). Audio is produced like a capture device: a 20 ms frame is released
when its last sample is due, sample ``n`` being captured at ``audio_t0 + n / 48 kHz``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time

import av
import numpy as np

from probe.media.broadcast import AUDIO_SAMPLE_RATE, Broadcast
from probe.media.encoders import (
    AUDIO_FRAME_SAMPLES,
    AUDIO_TIME_BASE,
    VIDEO_TIME_BASE,
    AudioEncodePipeline,
    VideoEncodePipeline,
)
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec


def wallclock_ms() -> float:
    """The host's wall clock in ms since the epoch (what the stamp carries)."""
    return time.time() * 1000.0


class PatternSource:
    """Feeds a room stream's video and audio broadcasts from the stamped pattern while running."""

    def __init__(self, spec: PatternSpec, video: VideoEncodePipeline, audio: Broadcast) -> None:
        self.spec = spec
        self._renderer = PatternRenderer(spec)
        self._video = video
        self._audio_out = audio
        self._audio = AudioEncodePipeline()
        # One worker: renders and encodes in order, off the event loop.
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pattern")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        """Start rendering; the task ends only by ``stop()`` or an error in a media loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="pattern-source")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._set_capture_epoch(None)

    def _set_capture_epoch(self, t0_wall_ms: float | None) -> None:
        """Tell the broadcasts that pts count from ``t0_wall_ms`` (for their sender reports)."""
        self._video.broadcast.capture_epoch_wallclock_ms = t0_wall_ms
        self._audio_out.capture_epoch_wallclock_ms = t0_wall_ms

    async def _run(self) -> None:
        t0_wall_ms = wallclock_ms()
        self._set_capture_epoch(t0_wall_ms)
        # A task group: an error in one loop cancels the other (none is left orphaned).
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._video_loop(t0_wall_ms), name="pattern-video")
                group.create_task(self._audio_loop(t0_wall_ms), name="pattern-audio")
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from None

    def _render_and_encode(self, counter: int, t0_wall_ms: float) -> list[av.Packet]:
        now_ms = wallclock_ms()
        yuv = self._renderer.video_frame(counter, int(now_ms))
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = round((now_ms - t0_wall_ms) * 90)
        frame.time_base = VIDEO_TIME_BASE
        return self._video.encode(frame)

    async def _video_loop(self, t0_wall_ms: float) -> None:
        loop = asyncio.get_running_loop()
        period_s = 1.0 / self.spec.fps
        next_s = time.monotonic()
        counter = 0
        while True:
            await self._frame_due(next_s)
            now_s = time.monotonic()
            if now_s < next_s or now_s - next_s > period_s:
                # Early: a keyframe was asked for. Late: fell behind (never burst). Either way
                # the cadence goes on from this frame.
                next_s = now_s
            packets = await loop.run_in_executor(
                self._worker, self._render_and_encode, counter, t0_wall_ms)
            for packet in packets:
                self._video.broadcast.publish(packet)
            counter += 1
            next_s += period_s

    async def _frame_due(self, next_s: float) -> None:
        """Wait until ``next_s`` (monotonic s), or only until an asked-for keyframe may be sent.

        A viewer that lost packets (or just joined) asks for a keyframe; rendering it at once,
        rather than at the next frame tick, keeps the room's own share of the recovery to the
        encode time, so a freeze after an outage is the outage and the link, as a viewer of a
        responsive sender sees it, and not up to a frame interval more of the room's making.
        """
        requested = self._video.broadcast.keyframe_requested
        while (delay_s := next_s - time.monotonic()) > 0:
            wait_s = self._video.keyframe_wait_s()
            if wait_s == 0.0:
                return
            if wait_s is not None:  # too soon after a keyframe: at the gap's end or the tick
                await asyncio.sleep(min(delay_s, wait_s))
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay_s):
                    await requested.wait()

    async def _audio_loop(self, t0_wall_ms: float) -> None:
        t0_mono_s = time.monotonic()
        first_sample = 0
        while True:
            due_s = t0_mono_s + (first_sample + AUDIO_FRAME_SAMPLES) / AUDIO_SAMPLE_RATE
            delay_s = due_s - time.monotonic()
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            samples = self._renderer.audio_samples(
                t0_wall_ms + first_sample * 1000.0 / AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples, dtype=np.int16).reshape(1, -1),
                format="s16", layout="mono")
            frame.sample_rate = AUDIO_SAMPLE_RATE
            frame.pts = first_sample
            frame.time_base = AUDIO_TIME_BASE
            for packet in self._audio.encode(frame):
                self._audio_out.publish(packet)
            first_sample += AUDIO_FRAME_SAMPLES
