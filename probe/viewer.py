"""The viewer peer: joins through a signaling adapter, receives, and taps every frame.

Per video frame it records the arrival time (monotonic s and wall-clock ms) and hands the Y
plane and RTP time to the analyzer; per audio frame its samples and RTP time; once a second the
receiver's counters and the RTCP sender reports that put both RTP times on the sender's clock.
Analysis runs in one worker thread (in arrival order) so the event loop, which also receives the
RTP packets, is never held up by picture analysis.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import fractions
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
from aiortc import MediaStreamTrack, RTCPeerConnection

from metrics.analysis import StreamAnalyzer
from metrics.network import NetSample
from metrics.report import JoinSplit
from probe import frame_release, ice_sockets, keyframe_recovery
from probe.analysis_worker import AnalysisWorker
from probe.errors import MediaTimeout
from probe.frames import audio_samples_int16, frames_of, y_plane
from probe.receiver_tap import ReceiverCounters, instrument
from probe.sender_reports import SenderReportLog
from probe.signaling import Signaling
from probe.stun_rtt import StunRoundTrips

# Frames waiting for analysis beyond which clarity is skipped (arrival and stamps still counted).
MAX_ANALYSIS_BACKLOG = 45
STATS_INTERVAL_S = 1.0
VIDEO_CLOCK_HZ = 90000


@dataclass(frozen=True)
class Progress:
    """A live snapshot for the progress line."""

    elapsed_s: float
    duration_s: float
    frames: int
    latency_ms: float | None


@dataclass(frozen=True)
class JoinTimes:
    """Monotonic instants (s) of the join: request sent, answer applied, connected, first frame."""

    request_s: float
    answered_s: float
    connected_s: float
    first_frame_s: float

    @property
    def time_to_first_frame_ms(self) -> float:
        return (self.first_frame_s - self.request_s) * 1000.0

    def split(self) -> JoinSplit:
        """The join in parts (ms): signaling, ICE+DTLS connection, first decoded frame."""
        return JoinSplit(signaling_ms=(self.answered_s - self.request_s) * 1000.0,
                         connect_ms=(self.connected_s - self.answered_s) * 1000.0,
                         media_ms=(self.first_frame_s - self.connected_s) * 1000.0)


@dataclass(frozen=True)
class ViewResult:
    join: JoinTimes
    video_codec: str | None
    audio_codec: str | None
    frames_without_clarity: int = 0  # analysis fell behind: timing and stamps only
    socket_drops: int | None = None  # datagrams the kernel dropped on the probe's own sockets
    receive_buffer_bytes: int | None = None  # as the kernel granted it

    def notes(self) -> tuple[str, ...]:
        """What the report should say about how this run was watched."""
        notes = []
        if self.frames_without_clarity:
            notes.append(f"clarity skipped on {self.frames_without_clarity} frames: picture "
                         "analysis fell behind (timing, stamps and freezes still cover every frame)")
        if self.socket_drops:
            buffer_kib = (self.receive_buffer_bytes or 0) // 1024
            notes.append(f"the probe's own socket dropped {self.socket_drops} datagrams (it read "
                         f"too slowly; receive buffer {buffer_kib} KiB): loss, freezes and dropped "
                         "frames may be the probe's, not the stream's; raise net.core.rmem_max "
                         "(sysctl) or give the probe a less busy CPU")
        return tuple(notes)


class Viewer:
    """Watches one stream for a while and feeds a ``StreamAnalyzer``."""

    def __init__(self, signaling: Signaling, analyzer: StreamAnalyzer,
                 on_progress: Callable[[Progress], None] | None = None) -> None:
        self._signaling = signaling
        self._analyzer = analyzer
        self._on_progress = on_progress
        self._worker = AnalysisWorker()
        self._frames_without_clarity = 0
        self._first_frame = asyncio.Event()
        self._first_frame_s: float | None = None
        self._last_latency_ms: float | None = None
        self._counters: dict[str, ReceiverCounters] = {}
        self._sender_reports: dict[str, SenderReportLog] = {}
        self._round_trips = StunRoundTrips()
        self._time_bases: dict[str, fractions.Fraction] = {}
        self._codecs: dict[str, str] = {}
        self._receive_buffer_bytes: int | None = None

    async def watch(self, duration_s: float, timeout_s: float) -> ViewResult:
        """Join, watch ``duration_s`` seconds after the first frame, leave; tears down on any exit.

        ``timeout_s`` bounds each wait: the signaling exchange, the connection, the first frame.
        """
        pc = RTCPeerConnection()
        tasks: list[asyncio.Task[None]] = []
        try:
            pc.addTransceiver("video", direction="recvonly")
            pc.addTransceiver("audio", direction="recvonly")
            connected = asyncio.Event()
            failed = asyncio.Event()

            @pc.on("connectionstatechange")
            def _state() -> None:
                if pc.connectionState == "connected":
                    connected.set()
                elif pc.connectionState in ("failed", "closed"):
                    failed.set()

            @pc.on("icegatheringstatechange")
            def _gathered() -> None:
                if pc.iceGatheringState == "complete":
                    self._round_trips.instrument(pc)
                    self._receive_buffer_bytes = ice_sockets.enlarge_receive_buffers(pc)

            @pc.on("track")
            def _track(track: MediaStreamTrack) -> None:
                transceiver = next(t for t in pc.getTransceivers() if t.receiver.track is track)
                self._counters[track.kind] = instrument(transceiver.receiver)
                self._sender_reports[track.kind] = SenderReportLog(transceiver.receiver)
                if track.kind == "video":
                    awaiting_keyframe = keyframe_recovery.install(transceiver.receiver)
                    frame_release.install(transceiver.receiver,
                                          awaiting_keyframe or (lambda: False))
                pump = self._pump_video if track.kind == "video" else self._pump_audio
                tasks.append(asyncio.create_task(pump(track), name=f"tap-{track.kind}"))

            request_s = time.monotonic()
            await self._signaling.negotiate(pc, timeout_s)
            answered_s = time.monotonic()
            self._codecs = _negotiated_codecs(pc)
            await _first_of(connected, failed, timeout_s, MediaTimeout(
                f"no WebRTC connection to {self._signaling.url} within {timeout_s:g} s "
                "(ICE/DTLS did not complete); check that UDP reaches the server"))
            if failed.is_set():
                raise MediaTimeout(f"the WebRTC connection to {self._signaling.url} failed "
                                   "(ICE/DTLS); check that UDP reaches the server")
            connected_s = time.monotonic()
            await _first_of(self._first_frame, failed, timeout_s, MediaTimeout(
                f"connected to {self._signaling.url}, but no video frame arrived within "
                f"{timeout_s:g} s; is anyone publishing to this stream?"))
            if self._first_frame_s is None:
                raise MediaTimeout(f"the connection to {self._signaling.url} closed before "
                                   "any video arrived")
            tasks.append(asyncio.create_task(self._sample_stats(pc), name="stats"))
            await self._watch_for(duration_s)
            self._forward_sender_reports()
            join = JoinTimes(request_s, answered_s, connected_s, self._first_frame_s)
            return ViewResult(join, self._codecs.get("video"), self._codecs.get("audio"),
                              self._frames_without_clarity, ice_sockets.kernel_drops(pc),
                              self._receive_buffer_bytes)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._signaling.close()
            await pc.close()
            # Wait for queued analysis so the report covers every frame received.
            await asyncio.get_running_loop().run_in_executor(None, self._worker.close)

    async def _watch_for(self, duration_s: float) -> None:
        assert self._first_frame_s is not None
        end_s = self._first_frame_s + duration_s
        while (now_s := time.monotonic()) < end_s:
            await asyncio.sleep(min(0.25, end_s - now_s))
            if self._signaling.failure is not None:
                raise self._signaling.failure
            if self._on_progress:
                self._on_progress(Progress(elapsed_s=min(duration_s, now_s - self._first_frame_s),
                                           duration_s=duration_s, frames=self._analyzer.frames,
                                           latency_ms=self._last_latency_ms))

    def _submit(self, fn: Callable[..., object], *args: object) -> None:
        self._worker.submit(fn, *args).add_done_callback(self._done)

    def _done(self, future: concurrent.futures.Future[object]) -> None:
        outcome = future.result() if not future.cancelled() and not future.exception() else None
        latency = getattr(outcome, "latency_ms", None)
        if latency is not None:
            self._last_latency_ms = latency

    async def _pump_video(self, track: MediaStreamTrack) -> None:
        async for frame in frames_of(track):
            arrival_s, arrival_wall_ms = time.monotonic(), time.time() * 1000.0
            if self._first_frame_s is None:
                self._first_frame_s = arrival_s
                self._first_frame.set()
            assert isinstance(frame, av.VideoFrame)
            picture = self._worker.pending < MAX_ANALYSIS_BACKLOG
            self._frames_without_clarity += not picture
            self._submit(self._analyzer.video_frame, arrival_s, y_plane(frame), arrival_wall_ms,
                         picture, self._media_s(track.kind, frame))

    async def _pump_audio(self, track: MediaStreamTrack) -> None:
        async for frame in frames_of(track):
            assert isinstance(frame, av.AudioFrame)
            self._submit(self._analyzer.audio_frame, self._media_s(track.kind, frame) or 0.0,
                         audio_samples_int16(frame), frame.sample_rate,
                         len(frame.layout.channels))

    def _media_s(self, kind: str, frame: av.frame.Frame) -> float | None:
        """The frame's RTP time (s, rebased by aiortc); notes the track's time base."""
        if frame.pts is None or frame.time_base is None:
            return None
        self._time_bases.setdefault(kind, frame.time_base)
        return float(frame.pts * frame.time_base)

    def _forward_sender_reports(self) -> None:
        """Hand the sender reports received so far to the analyzer (A/V sync's clock)."""
        for kind, log in self._sender_reports.items():
            if kind in self._time_bases:
                for report in log.drain(self._time_bases[kind]):
                    self._submit(self._analyzer.sender_report, kind, report)

    async def _sample_stats(self, pc: RTCPeerConnection) -> None:
        while True:
            report = await pc.getStats()
            video = self._counters.get("video")
            inbound = [s for s in report.values()
                       if s.type == "inbound-rtp" and getattr(s, "kind", None) == "video"]
            if video is not None and video.instrumented:
                lost = sum(s.packetsLost for s in inbound)
                jitter = max((s.jitter for s in inbound), default=None)
                self._submit(self._analyzer.net_sample, NetSample(
                    t_s=time.monotonic(),
                    bytes_received=sum(c.bytes_received for c in self._counters.values()),
                    packets_received=sum(c.packets_received for c in self._counters.values()),
                    packets_lost=lost,
                    jitter_ms=jitter * 1000.0 / VIDEO_CLOCK_HZ if jitter is not None else None,
                    nacks=sum(c.nacks for c in self._counters.values()),
                    plis=sum(c.plis for c in self._counters.values()),
                    rtt_ms=self._round_trips.rtt_ms,
                ))
            self._forward_sender_reports()
            await asyncio.sleep(STATS_INTERVAL_S)


async def _first_of(done: asyncio.Event, failed: asyncio.Event, timeout_s: float,
                    on_timeout: MediaTimeout) -> None:
    """Wait until ``done`` or ``failed`` is set; raise ``on_timeout`` after ``timeout_s``."""
    waits = [asyncio.create_task(done.wait()), asyncio.create_task(failed.wait())]
    try:
        finished, _ = await asyncio.wait(waits, timeout=timeout_s,
                                         return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    if not finished:
        raise on_timeout


def _negotiated_codecs(pc: RTCPeerConnection) -> dict[str, str]:
    """Codec name per kind from the applied remote description (e.g. {"video": "VP8"})."""
    codecs: dict[str, str] = {}
    for transceiver in pc.getTransceivers():
        chosen = [c for c in getattr(transceiver, "_codecs", []) if c.mimeType.split("/")[1] != "rtx"]
        if chosen:
            codecs[transceiver.kind] = chosen[0].mimeType.split("/")[1]
    return codecs
