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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import av
from aiortc import MediaStreamTrack, RTCPeerConnection

from metrics.analysis import StreamAnalyzer
from metrics.network import NetSample
from metrics.probe_health import LOOP_LAG_FREEZE_MS
from metrics.report import JoinSplit
from probe.aiortc_hooks import (
    HookLog,
    dtls_ciphers,
    frame_release,
    gate_problems,
    keyframe_recovery,
    receiver_counters,
    transport_cc,
)
from probe.aiortc_hooks.codecs import negotiated_codecs
from probe.aiortc_hooks.receiver_counters import ReceiverCounters
from probe.aiortc_hooks.sender_reports import SenderReportLog
from probe.aiortc_hooks.stun_timing import StunRoundTrips
from probe.errors import MediaTimeout
from probe.media.frames import audio_samples_int16, chroma_planes, frames_of, y_plane
from probe.signaling import Signaling
from probe.signaling.ice_servers import peer_configuration
from probe.viewer import sockets
from probe.viewer.analysis_worker import AnalysisWorker
from probe.viewer.loop_lag import LoopLag

# Frames waiting for analysis beyond which clarity is skipped (arrival and stamps still counted).
MAX_ANALYSIS_BACKLOG = 45
# Calls waiting for analysis beyond which a frame is dropped, and counted, before analysis: the
# queue stays bounded however long analysis falls behind (5 s of 30 fps video and 50 fps audio).
MAX_ANALYSIS_QUEUE = 400
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
    """Monotonic instants (s) of the join: request sent, answer applied, connected, first frame;
    and how long ICE gathering took inside the exchange (s)."""

    request_s: float
    answered_s: float
    connected_s: float
    first_frame_s: float
    gathering_s: float = 0.0

    @property
    def time_to_first_frame_ms(self) -> float:
        return (self.first_frame_s - self.request_s) * 1000.0

    def split(self) -> JoinSplit:
        """The join in parts (ms): signaling (without gathering), ICE gathering, ICE+DTLS
        connection, first decoded frame; the parts add up to the time to first frame."""
        exchange_ms = (self.answered_s - self.request_s) * 1000.0
        gathering_ms = min(self.gathering_s * 1000.0, exchange_ms)
        return JoinSplit(signaling_ms=exchange_ms - gathering_ms,
                         connect_ms=(self.connected_s - self.answered_s) * 1000.0,
                         media_ms=(self.first_frame_s - self.connected_s) * 1000.0,
                         gathering_ms=gathering_ms)


@dataclass(frozen=True)
class ViewResult:
    join: JoinTimes
    video_codec: str | None
    audio_codec: str | None
    frames_without_clarity: int = 0  # analysis fell behind: timing and stamps only
    socket_drops: int | None = None  # datagrams the kernel dropped on the probe's own sockets
    receive_buffer_bytes: int | None = None  # as the kernel granted it
    hook_notes: tuple[str, ...] = ()  # aiortc hooks that could not be trusted or installed
    signaling_notes: tuple[str, ...] = ()  # redirects, server-offer mode, unusable ICE servers
    media_ended: str | None = None  # why and when media stopped before the window closed
    error_count: int = 0  # errors in analysis, the media pumps or the stats task
    first_error: str | None = None
    frames_dropped_by_probe: int = 0  # video and audio frames not analysed: the queue was full
    # Seconds of the watch in which the probe's event loop ran LOOP_LAG_FREEZE_MS late or more
    # (it times frames on that loop), and the worst lag seen (ms).
    late_loop_s: int = 0
    worst_loop_lag_ms: float = 0.0

    def notes(self) -> tuple[str, ...]:
        """What the report should say about how this run was watched."""
        notes = [*self.signaling_notes, *self.hook_notes]
        if self.frames_dropped_by_probe:
            notes.append(f"the probe dropped {self.frames_dropped_by_probe} decoded frames before "
                         "analysis (its queue was full): it fell behind the stream")
        if self.frames_without_clarity:
            notes.append(f"clarity skipped on {self.frames_without_clarity} frames: picture "
                         "analysis fell behind (timing, stamps and freezes still cover every frame)")
        if self.socket_drops:
            buffer_kib = (self.receive_buffer_bytes or 0) // 1024
            notes.append(f"the probe's own socket dropped {self.socket_drops} datagrams (it read "
                         f"too slowly; receive buffer {buffer_kib} KiB): loss, freezes and dropped "
                         "frames may be the probe's, not the stream's; raise net.core.rmem_max "
                         "(sysctl) or give the probe a less busy CPU")
        if self.late_loop_s:
            notes.append(f"the probe's event loop ran {LOOP_LAG_FREEZE_MS:g} ms late or more in "
                         f"{self.late_loop_s} s of the run (worst "
                         f"{self.worst_loop_lag_ms:.0f} ms): it times frames on that loop, so "
                         "freezes then may be the probe's (its CPU was busy), not the stream's; "
                         "give the probe a less busy CPU")
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
        self.frames_dropped = 0  # video and audio frames dropped before analysis (queue full)
        self._first_frame = asyncio.Event()
        self._first_frame_s: float | None = None
        self._last_latency_ms: float | None = None
        self._counters: dict[str, ReceiverCounters] = {}
        self._sender_reports: dict[str, SenderReportLog] = {}
        self._round_trips = StunRoundTrips()
        self._time_bases: dict[str, fractions.Fraction] = {}
        self._codecs: dict[str, str] = {}
        self._receive_buffer_bytes: int | None = None
        self._hooks = HookLog()
        self._errors = ErrorLog()
        self._lag = LoopLag()
        self._late_loop_s = 0
        self._worst_loop_lag_ms = 0.0
        self._end_s: float | None = None  # monotonic end of the watch window
        self._ended: str | None = None
        self._video_done = asyncio.Event()

    async def watch(self, duration_s: float, timeout_s: float) -> ViewResult:
        """Join, watch ``duration_s`` seconds after the first frame, leave; tears down on any exit.

        ``timeout_s`` bounds each wait: the signaling exchange, the connection, the first frame.
        """
        request_s = time.monotonic()
        pc = RTCPeerConnection(peer_configuration(await self._signaling.ice_servers(timeout_s)))
        tasks: list[asyncio.Task[None]] = []
        dtls_ciphers.install(pc, self._hooks)
        congestion_feedback = transport_cc.install(pc, self._hooks)
        gathering = _GatheringClock()
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
                gathering.update(pc.iceGatheringState)
                if pc.iceGatheringState == "complete":
                    self._round_trips.instrument(pc, self._hooks)
                    self._receive_buffer_bytes = sockets.enlarge_receive_buffers(pc, self._hooks)

            @pc.on("track")
            def _track(track: MediaStreamTrack) -> None:
                transceiver = next(t for t in pc.getTransceivers() if t.receiver.track is track)
                receiver = transceiver.receiver
                congestion_feedback.attach(receiver)
                counters = receiver_counters.install(receiver, self._hooks)
                if counters is not None:
                    self._counters[track.kind] = counters
                self._sender_reports[track.kind] = SenderReportLog(receiver, self._hooks)
                if track.kind == "video":
                    awaiting_keyframe = keyframe_recovery.install(receiver, self._hooks)
                    frame_release.install(receiver, self._hooks,
                                          awaiting_keyframe or (lambda: False))
                pump = self._pump_video if track.kind == "video" else self._pump_audio
                tasks.append(asyncio.create_task(self._pumped(track, pump),
                                                 name=f"tap-{track.kind}"))

            await self._signaling.negotiate(pc, timeout_s)
            answered_s = time.monotonic()
            self._codecs = negotiated_codecs(pc, self._hooks)
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
            self._lag.start()
            await self._watch_for(duration_s, failed, pc)
            self._forward_sender_reports()
            self._forward_events()
            join = JoinTimes(request_s, answered_s, connected_s, self._first_frame_s,
                             gathering.took_s)
            return ViewResult(join, self._codecs.get("video"), self._codecs.get("audio"),
                              self._frames_without_clarity, sockets.kernel_drops(pc, self._hooks),
                              self._receive_buffer_bytes,
                              tuple(gate_problems()) + self._hooks.notes(),
                              self._signaling.notes(), self._ended, self._errors.count,
                              self._errors.first, frames_dropped_by_probe=self.frames_dropped,
                              late_loop_s=self._late_loop_s,
                              worst_loop_lag_ms=self._worst_loop_lag_ms)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._lag.stop()
            await self._signaling.close()
            await pc.close()
            # Wait for queued analysis so the report covers every frame received.
            await asyncio.get_running_loop().run_in_executor(None, self._worker.close)

    async def _watch_for(self, duration_s: float, failed: asyncio.Event,
                         pc: RTCPeerConnection) -> None:
        """Watch until the window closes, or media ends first (the connection fails or closes,
        the video track ends): then note why and when, and stop early."""
        assert self._first_frame_s is not None
        end_s = self._end_s = self._first_frame_s + duration_s
        while (now_s := time.monotonic()) < end_s:
            await asyncio.sleep(min(0.25, end_s - now_s))
            if self._signaling.failure is not None:
                raise self._signaling.failure
            elapsed_s = time.monotonic() - self._first_frame_s
            if failed.is_set():
                self._ended = (f"the WebRTC connection went {pc.connectionState} "
                               f"{elapsed_s:.1f} s into the watch")
                return
            if self._video_done.is_set():
                self._ended = self._ended or f"the video track ended {elapsed_s:.1f} s into the watch"
                return
            if self._on_progress:
                self._on_progress(Progress(elapsed_s=min(duration_s, now_s - self._first_frame_s),
                                           duration_s=duration_s, frames=self._analyzer.frames,
                                           latency_ms=self._last_latency_ms))

    @property
    def analysis_pending(self) -> int:
        """Calls waiting for analysis now (the queue's depth)."""
        return self._worker.pending

    @property
    def frames_late(self) -> int:
        """Video frames analysis was too far behind to score for clarity (late, not lost)."""
        return self._frames_without_clarity

    def _submit(self, fn: Callable[..., object], *args: object) -> None:
        self._worker.submit(fn, *args).add_done_callback(self._done)

    def _queue_full(self) -> bool:
        """Whether a decoded frame must be dropped (and is counted) rather than queued."""
        if self._worker.pending < MAX_ANALYSIS_QUEUE:
            return False
        self.frames_dropped += 1
        return True

    def _done(self, future: concurrent.futures.Future[object]) -> None:
        if not future.cancelled() and (error := future.exception()) is not None:
            self._errors.add("analysis", error)
            return
        outcome = future.result() if not future.cancelled() else None
        latency = getattr(outcome, "latency_ms", None)
        if latency is not None:
            self._last_latency_ms = latency

    async def _pumped(self, track: MediaStreamTrack,
                      pump: Callable[[MediaStreamTrack], Awaitable[None]]) -> None:
        """Run one track's pump; an error is logged, and the video's end (or error) ends media."""
        try:
            await pump(track)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - counted and quoted in the report, never dropped
            self._errors.add(f"{track.kind} pump", err)
            if track.kind == "video" and self._first_frame_s is not None:
                self._ended = (f"the video pump failed {time.monotonic() - self._first_frame_s:.1f}"
                               f" s into the watch ({type(err).__name__}: {err})")
        finally:
            if track.kind == "video":
                self._video_done.set()

    async def _pump_video(self, track: MediaStreamTrack) -> None:
        async for frame in frames_of(track):
            arrival_s, arrival_wall_ms = time.monotonic(), time.time() * 1000.0
            if self._end_s is not None and arrival_s > self._end_s:
                continue  # past the watch window: not counted
            if self._first_frame_s is None:
                self._first_frame_s = arrival_s
                self._first_frame.set()
            assert isinstance(frame, av.VideoFrame)
            if self._queue_full():
                continue
            picture = self._worker.pending < MAX_ANALYSIS_BACKLOG
            self._frames_without_clarity += not picture
            self._submit(self._analyzer.video_frame, arrival_s, y_plane(frame), arrival_wall_ms,
                         picture, self._media_s(track.kind, frame), None, chroma_planes(frame))

    async def _pump_audio(self, track: MediaStreamTrack) -> None:
        async for frame in frames_of(track):
            assert isinstance(frame, av.AudioFrame)
            if self._queue_full():
                continue
            self._submit(self._analyzer.audio_frame, self._media_s(track.kind, frame) or 0.0,
                         audio_samples_int16(frame), frame.sample_rate,
                         len(frame.layout.channels), time.monotonic())

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

    def _account_loop_lag(self) -> None:
        """Count the second just past when the event loop ran late enough to make a freeze."""
        lag_ms = self._lag.take_max_ms()
        self._worst_loop_lag_ms = max(self._worst_loop_lag_ms, lag_ms)
        self._late_loop_s += lag_ms >= LOOP_LAG_FREEZE_MS

    def _forward_events(self) -> None:
        """Hand the receivers' events so far (SSRC changes, keyframe requests) to the analyzer."""
        for kind, counters in self._counters.items():
            for t_s, event, detail in counters.drain_events(self._first_frame_s):
                self._submit(self._analyzer.stream_event, t_s, event, f"{kind} {detail}")

    async def _sample_stats(self, pc: RTCPeerConnection) -> None:
        try:
            await self._sample_stats_forever(pc)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - counted and quoted in the report, never dropped
            self._errors.add("stats task", err)

    async def _sample_stats_forever(self, pc: RTCPeerConnection) -> None:
        while True:
            report = await pc.getStats()
            video = self._counters.get("video")
            inbound = [s for s in report.values()
                       if s.type == "inbound-rtp" and getattr(s, "kind", None) == "video"]
            if video is not None:
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
                    video_loss=video.loss(),
                    audio_loss=audio.loss() if (audio := self._counters.get("audio")) else None,
                ))
            self._forward_sender_reports()
            self._forward_events()
            self._account_loop_lag()
            await asyncio.sleep(STATS_INTERVAL_S)


class ErrorLog:
    """Errors met while watching: counted, the first quoted (``where: Type: message``)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None

    def add(self, where: str, error: BaseException) -> None:
        self.count += 1
        if self.first is None:
            self.first = f"{where}: {type(error).__name__}: {error}"


class _GatheringClock:
    """How long the peer's ICE gathering took (s): from "gathering" to "complete"."""

    def __init__(self) -> None:
        self._started_s: float | None = None
        self.took_s = 0.0

    def update(self, state: str) -> None:
        if state == "gathering":
            self._started_s = time.monotonic()
        elif state == "complete" and self._started_s is not None:
            self.took_s = time.monotonic() - self._started_s


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

