"""One stream's analysis: per-frame records in, a ``Report`` out.

A live run feeds frames with arrival times (monotonic s and wall-clock ms); a file feeds frames
with presentation times and no wall clock. Both go through this class, so ``check`` and
``analyze`` score with the same code (DESIGN.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from metrics.audio import AudioMeter
from metrics.avsync import AvSyncMeter, mono_float
from metrics.clarity import DEFAULT_DISPLAY, ClarityMeter, Display, FrameCoding
from metrics.content_freeze import ContentFreezeDetector
from metrics.events import EventLog, StreamEvent, TimestampJumps
from metrics.fullref import FullReferenceMeter
from metrics.latency import GlassToGlassMeter
from metrics.network import NetSample, NetworkMeter
from metrics.pattern_schedule import DEFAULT_FLASH_PERIOD_S
from metrics.report import Clarity, ClockSource, JoinSplit, Latency, Report, Target, VideoInfo
from metrics.sender_clock import MediaKind, SenderReport
from metrics.source_change import SourceChangeDetector
from metrics.stamp import StampCodec, unwrap_counter, unwrap_wallclock_ms
from metrics.stutter import DroppedFrameCounter, FreezeDetector, summarize_stutter
from metrics.thumbnails import ThumbnailKeeper
from metrics.timeline import TimelineBuilder
from metrics.verdict import Limit, run_checks, verdict


@dataclass(frozen=True)
class FrameOutcome:
    """What one frame contributed, for live progress display."""

    t_s: float
    clarity: float | None
    latency_ms: float | None
    stamped: bool


# The source picture (Y plane) of stamped frame (counter, wall-clock ms mod 2^32), or None.
ReferenceSource = Callable[[int, int], "np.ndarray | None"]
LIVE_SSIM_EVERY = 30  # SSIM on every 30th frame live (at 1080p it costs ~15 times PSNR)


def clarity_notes(clarity: Clarity) -> tuple[str, ...]:
    """What limited the clarity estimate, for the report's notes."""
    if clarity.model == "bitrate":
        return ("clarity estimated without the bitstream's quantiser (not read on this path): "
                "from the picture and the bits per pixel",)
    if clarity.model == "picture":
        return ("clarity estimated from the picture alone: no bitstream quantiser or coded "
                "size was known",)
    return ()


@dataclass(frozen=True)
class RunFacts:
    """Facts about the run that the frames cannot tell: where, which clock, how fast it joined."""

    target: Target
    clock: ClockSource  # the clock a stamp read in this run is on ("none": no stamp is ours)
    time_to_first_frame_ms: float | None = None
    join_split: JoinSplit | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    # Whether the video's RTCP sender reports are known to tell the sender's capture clock (a
    # capturing origin such as libwebrtc or the test room's pattern): their latency is then
    # glass-to-glass. A live check never knows this of a server (SFUs write their own reports),
    # so it reports them as the last hop; library users who know their sender may set it.
    reports_on_capture_clock: bool = False
    # Added (issue #21). Why media stopped before the watch window closed (the connection
    # failed, the track ended), with when: the run then fails. None: it flowed to the end.
    media_ended: str | None = None
    # Errors met while watching or analysing (counted; the first is quoted in the notes).
    error_count: int = 0
    first_error: str | None = None


# Checks a live run always lists: "not_measured" when the clocks did not allow the figure.
LIVE_CHECKS = ("glass_to_glass_p95_ms",)


class StreamAnalyzer:
    """Streaming analysis of one video (and optional audio) stream; holds no frames."""

    def __init__(self, expect_continuous_audio: bool = False,
                 flash_period_s: float = DEFAULT_FLASH_PERIOD_S,
                 reference: ReferenceSource | None = None,
                 display: Display = DEFAULT_DISPLAY, clarity_fps: float | None = None) -> None:
        """``reference(counter, wallclock_ms)`` gives the source picture of a stamped frame (its
        Y plane without the code band's content; None to skip the frame), when the sender's
        pattern is known: PSNR and SSIM are then scored live. ``display``: what clarity is
        judged for (``metrics.clarity.display``). ``clarity_fps`` scores clarity on at most that many
        frames a second (None: every frame): a live run's score is a mean over frames, and at
        720p30 clarity is most of the analysis cost."""
        self._display = display
        self._clarity_interval_s = 1.0 / clarity_fps if clarity_fps else 0.0
        self._next_clarity_s = 0.0
        self._stamps = StampCodec()
        self._freezes = FreezeDetector()
        self._dropped = DroppedFrameCounter()
        self._g2g = GlassToGlassMeter()
        self._source = SourceChangeDetector()
        self._events = EventLog()
        self._video_jumps = TimestampJumps("video")
        self._clarity: ClarityMeter | None = None
        self._content_freezes: ContentFreezeDetector | None = None
        self._band_rows = 0
        self._last_counter: int | None = None
        self._timeline = TimelineBuilder()
        self._thumbnails = ThumbnailKeeper()
        self._network = NetworkMeter()
        self.audio = AudioMeter(expect_continuous=expect_continuous_audio)
        self._avsync = AvSyncMeter(flash_period_s)
        self._reference = reference
        self._fullref = FullReferenceMeter(ssim_every=LIVE_SSIM_EVERY)
        self._t0_s: float | None = None
        self._size: tuple[int, int] | None = None
        self.frames = 0

    def video_frame(self, t_s: float, y: np.ndarray, arrival_wallclock_ms: float | None = None,
                    analyse_picture: bool = True, media_s: float | None = None,
                    coding: FrameCoding | None = None,
                    chroma: tuple[np.ndarray, ...] = ()) -> FrameOutcome:
        """Account one decoded frame: ``t_s`` arrival/presentation time (s), ``y`` its Y plane.

        ``analyse_picture=False`` (a live run falling behind) skips clarity for this frame; its
        timing and stamp still count. ``media_s`` is its RTP time (s, as the receiver rebased
        it), which places flashes for A/V sync. ``coding``: the frame's coded size and
        quantiser, where the caller has the bitstream (clarity's richest model uses them).
        ``chroma``: its U and V planes, when known (content freezes compare them too).
        """
        if self._t0_s is None:
            self._t0_s = t_s
        rel_s = t_s - self._t0_s
        self.frames += 1
        self._size = (y.shape[1], y.shape[0])
        ended_freeze = self._freezes.update(t_s) is not None
        live = media_s is not None and arrival_wallclock_ms is not None  # arrival times
        if live and (jump := self._video_jumps.update(t_s, media_s)) is not None:
            self._events.add(rel_s, "timestamp_jump", jump)
        stamp = self._stamps.read(y)
        if stamp is not None:
            self._last_counter = unwrap_counter(stamp.frame_counter_mod, self._last_counter)
            self._dropped.update(self._last_counter)
        latency_ms = self._g2g.update(stamp, arrival_wallclock_ms, media_s, rel_s)
        self._source.update(rel_s, y.shape[1], y.shape[0], stamp is not None)
        if self._clarity is None:
            # Decided once, on the first frame: a stamped stream keeps its code band out of clarity.
            self._band_rows = self._stamps.band_rows(y.shape[0]) if stamp is not None else 0
            self._clarity = ClarityMeter(skip_top_rows=self._band_rows, display=self._display)
            # The stamp changes every frame: a frozen picture must be judged without it.
            self._content_freezes = ContentFreezeDetector(skip_top_rows=self._band_rows)
        assert self._content_freezes is not None
        ended_content_freeze = self._content_freezes.update(t_s, y, chroma)
        if media_s is not None:
            captured_ms = None
            if stamp is not None and arrival_wallclock_ms is not None:
                captured_ms = float(unwrap_wallclock_ms(stamp.wallclock_ms_mod,
                                                        int(arrival_wallclock_ms)))
            self._avsync.flashes.update(media_s, y[self._band_rows:], captured_ms)
        clarity = None
        if analyse_picture and rel_s >= self._next_clarity_s:
            clarity = self._clarity.update(y, coding)
            # The next due time moves on from the schedule, not from this frame, so that arrival
            # jitter does not lower the rate; after a gap it restarts from this frame.
            self._next_clarity_s = max(self._next_clarity_s + self._clarity_interval_s,
                                       rel_s + self._clarity_interval_s / 2)
        if analyse_picture and stamp is not None and self._reference is not None:
            self._score_against_reference(y, self._last_counter, stamp.wallclock_ms_mod)
        self._timeline.update(rel_s, clarity, latency_ms)
        self._thumbnails.frame(rel_s, y, ended_freeze, clarity, ended_content_freeze)
        return FrameOutcome(t_s=rel_s, clarity=clarity, latency_ms=latency_ms,
                            stamped=stamp is not None)

    def _live_bits_per_pixel(self, bitrate_kbps: float | None,
                             fps: float | None) -> float | None:
        """Bits per pixel from the received bitrate (all RTP payload, so audio too: a few
        percent high), for clarity when the frames' coded sizes were not given."""
        if bitrate_kbps is None or not fps or self._size is None:
            return None
        return bitrate_kbps * 1000.0 / (self._size[0] * self._size[1] * fps)

    def _score_against_reference(self, y: np.ndarray, counter: int | None,
                                 wallclock_ms_mod: int) -> None:
        assert self._reference is not None and counter is not None
        source = self._reference(counter, wallclock_ms_mod)
        if source is not None and source.shape == y.shape:
            band = self._band_rows
            self._fullref.update(source[band:], y[band:])

    def audio_frame(self, pts_s: float, samples: np.ndarray, sample_rate: int,
                    channels: int = 1, arrival_s: float | None = None) -> None:
        """Account one decoded audio frame (int16 samples of ``channels`` channels, packed or
        planar) at presentation time ``pts_s`` (s; for a live stream its RTP time), arrived at
        ``arrival_s`` (s, the video frames' clock; None for a file)."""
        energy = self.audio.update(pts_s, samples, sample_rate, arrival_s)
        if self._t0_s is not None:  # placed by arrival live, by presentation time in a file
            self._timeline.audio((pts_s if arrival_s is None else arrival_s) - self._t0_s,
                                 energy, samples.size)
        self._avsync.tones.update(pts_s, mono_float(samples, channels), sample_rate)

    def sender_report(self, kind: MediaKind, report: SenderReport) -> None:
        """Account one RTCP sender report of the video or audio stream (A/V sync's clock)."""
        self._avsync.sender_report(kind, report)

    def net_sample(self, sample: NetSample) -> None:
        """Account one once-a-second receiver counter sample (``t_s`` on the frames' clock)."""
        if self._t0_s is not None:
            sample = NetSample(**{**sample.__dict__, "t_s": sample.t_s - self._t0_s})
        self._network.update(sample)

    def stream_event(self, t_s: float, kind: str, detail: str) -> None:
        """Account an event the viewer saw (an SSRC change) at ``t_s`` (s, the frames' clock)."""
        self._events.add(t_s - (self._t0_s or t_s), kind, detail)  # type: ignore[arg-type]

    def events(self) -> tuple[StreamEvent, ...]:
        """Timestamp jumps, SSRC changes and source changes, in time order."""
        t0_s = self._t0_s or 0.0
        audio = tuple(StreamEvent(t_s - t0_s, "timestamp_jump",
                                  f"audio media time jumped {jump_s:+.3f} s against the wall clock")
                      for t_s, jump_s in self.audio.jumps)
        source = tuple(StreamEvent(c.t_s, "source_change", f"{c.before} -> {c.after}")
                       for c in self._source.changes)
        return self._events.events(audio + source)

    @property
    def stamped(self) -> bool:
        return self._g2g.stamps_read > 0

    def report(self, facts: RunFacts, limits: dict[str, Limit], duration_s: float | None = None,
               notes: tuple[str, ...] = ()) -> Report:
        """Score everything seen so far against ``limits`` and build the report."""
        content = self._content_freezes.events if self._content_freezes else ()
        live = facts.target.protocol != "file"
        # A live run's stall at the end of the watch window closes there (a freeze or a pause).
        stutter = summarize_stutter(self._freezes, self._dropped.dropped if self.stamped else None,
                                    extra=content, watch_s=duration_s if live else None)
        span_s = self._freezes.span_s
        duration_s = span_s if duration_s is None else duration_s
        network = self._network.result()
        # Live: frames over the watch window, so a stream that stops reads low; a file: its rate.
        fps = (self.frames / duration_s if live and duration_s > 0
               else (self.frames - 1) / span_s if span_s > 0 else None)
        clarity = (self._clarity.result(self._live_bits_per_pixel(network.bitrate_kbps, fps))
                   if self._clarity else ClarityMeter(display=self._display).result())
        notes = (*notes, *clarity_notes(clarity))
        fullref = self._fullref.result()
        if fullref.pairs:
            clarity = dataclasses.replace(clarity, psnr_db=fullref.psnr_db, ssim=fullref.ssim)
        av_sync_ms = self._avsync.result()
        sender_clock = self._avsync.clocks["video"]
        latency = self._g2g.result(facts.clock, facts.time_to_first_frame_ms,
                                   av_sync_ms=av_sync_ms, rtt_ms=self._network.rtt_ms,
                                   join_split=facts.join_split, sender_clock=sender_clock,
                                   reports_on_capture_clock=facts.reports_on_capture_clock)
        by_second_ms = self._g2g.figures(facts.clock, sender_clock,
                                         facts.reports_on_capture_clock).by_second_ms
        self.audio.codec = facts.audio_codec
        audio = self.audio.result()
        if audio is not None:
            lost, loss = self._network.audio_loss()
            audio = dataclasses.replace(audio, packets_lost=lost, loss_fraction=loss)
        width, height = self._size if self._size else (None, None)
        values: dict[str, float | None] = {
            "fps": fps,
            "freeze_count": float(stutter.freeze_count),
            "frozen_fraction": stutter.frozen_fraction,
            "time_to_first_frame_ms": latency.time_to_first_frame_ms,
            "glass_to_glass_p95_ms": latency.glass_to_glass_ms.p95 if latency.glass_to_glass_ms else None,
            "clarity_score": clarity.score,
            "stutter_score": stutter.score,
            "pause_count": float(stutter.pause_count),
            "media_ended": (1.0 if facts.media_ended else 0.0) if live else None,
            "loss_fraction": network.loss_fraction,
            "audio_gap_count": float(audio.gap_count) if audio else None,
            "av_sync_lead_ms": max(av_sync_ms, 0.0) if av_sync_ms is not None else None,
            "av_sync_lag_ms": max(-av_sync_ms, 0.0) if av_sync_ms is not None else None,
        }
        notes = (*notes, *self._source.notes(), *run_notes(facts))
        checks = run_checks(values, limits, expected=LIVE_CHECKS if live else ())
        if live and latency.glass_to_glass_ms is None:
            notes = (*notes, _unmeasured_latency_note(latency))
        return Report(
            target=facts.target,
            duration_s=duration_s,
            verdict=verdict(checks),
            checks=checks,
            video=VideoInfo(codec=facts.video_codec, width=width, height=height,
                            frames=self.frames, fps=fps),
            clarity=clarity,
            stutter=stutter,
            latency=latency,
            network=network,
            audio=audio,
            timeline=self._timeline.rows(duration_s, stutter.freezes + stutter.pauses,
                                         self._network.bitrate_by_second_kbps, by_second_ms,
                                         self._network.loss_by_second),
            notes=notes,
            thumbnails=self._thumbnails.thumbnails(),
            events=self.events(),
        )


def run_notes(facts: RunFacts) -> tuple[str, ...]:
    """What the run's facts tell the reader: media that stopped early, errors met."""
    notes = []
    if facts.media_ended:
        notes.append(f"media stopped before the end of the check: {facts.media_ended}; the "
                     "rest of the watch window counts as stalled")
    if facts.error_count:
        notes.append(f"{facts.error_count} error(s) while watching or analysing; the first: "
                     f"{facts.first_error}")
    return tuple(notes)


def _unmeasured_latency_note(latency: Latency) -> str:
    """Why a live run has no glass-to-glass figure, and what it has instead."""
    if latency.last_hop_ms is not None:
        return (f"glass-to-glass not measured: no stamps on a clock in step with ours, and the "
                f"sender reports come from a server that relays the stream; the last hop from "
                f"it is {latency.last_hop_ms.p50:.0f} ms p50 (latency.last_hop_ms)")
    return ("glass-to-glass not measured: no stamps on a clock in step with ours and no RTCP "
            "sender reports; publish with `check --publish` for a true figure")
