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
from metrics.sender_clock import MediaKind, SenderReport
from metrics.clarity import ClarityMeter
from metrics.content_freeze import ContentFreezeDetector
from metrics.fullref import FullReferenceMeter
from metrics.latency import GlassToGlassMeter
from metrics.network import NetSample, NetworkMeter
from metrics.report import ClockSource, JoinSplit, Report, Target, VideoInfo
from metrics.pattern_schedule import DEFAULT_FLASH_PERIOD_S
from metrics.stamp import StampCodec, unwrap_counter, unwrap_wallclock_ms
from metrics.stutter import DroppedFrameCounter, FreezeDetector, summarize_stutter
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


@dataclass(frozen=True)
class RunFacts:
    """Facts about the run that the frames cannot tell: where, which clock, how fast it joined."""

    target: Target
    clock: ClockSource
    time_to_first_frame_ms: float | None = None
    join_split: JoinSplit | None = None
    video_codec: str | None = None
    audio_codec: str | None = None


class StreamAnalyzer:
    """Streaming analysis of one video (and optional audio) stream; holds no frames."""

    def __init__(self, expect_continuous_audio: bool = False,
                 flash_period_s: float = DEFAULT_FLASH_PERIOD_S,
                 reference: ReferenceSource | None = None) -> None:
        """``reference(counter, wallclock_ms)`` gives the source picture of a stamped frame (its
        Y plane without the code band's content; None to skip the frame), when the sender's
        pattern is known: PSNR and SSIM are then scored live."""
        self._stamps = StampCodec()
        self._freezes = FreezeDetector()
        self._dropped = DroppedFrameCounter()
        self._g2g = GlassToGlassMeter()
        self._clarity: ClarityMeter | None = None
        self._content_freezes: ContentFreezeDetector | None = None
        self._band_rows = 0
        self._last_counter: int | None = None
        self._timeline = TimelineBuilder()
        self._network = NetworkMeter()
        self.audio = AudioMeter(expect_continuous=expect_continuous_audio)
        self._avsync = AvSyncMeter(flash_period_s)
        self._reference = reference
        self._fullref = FullReferenceMeter(ssim_every=LIVE_SSIM_EVERY)
        self._t0_s: float | None = None
        self._size: tuple[int, int] | None = None
        self.frames = 0

    def video_frame(self, t_s: float, y: np.ndarray, arrival_wallclock_ms: float | None = None,
                    analyse_picture: bool = True, media_s: float | None = None) -> FrameOutcome:
        """Account one decoded frame: ``t_s`` arrival/presentation time (s), ``y`` its Y plane.

        ``analyse_picture=False`` (a live run falling behind) skips clarity for this frame; its
        timing and stamp still count. ``media_s`` is its RTP time (s, as the receiver rebased
        it), which places flashes for A/V sync.
        """
        if self._t0_s is None:
            self._t0_s = t_s
        rel_s = t_s - self._t0_s
        self.frames += 1
        self._size = (y.shape[1], y.shape[0])
        self._freezes.update(t_s)
        stamp = self._stamps.read(y)
        if stamp is not None:
            self._last_counter = unwrap_counter(stamp.frame_counter_mod, self._last_counter)
            self._dropped.update(self._last_counter)
        latency_ms = self._g2g.update(stamp, arrival_wallclock_ms, media_s)
        if self._clarity is None:
            # Decided once, on the first frame: a stamped stream keeps its code band out of clarity.
            self._band_rows = self._stamps.band_rows(y.shape[0]) if stamp is not None else 0
            self._clarity = ClarityMeter(skip_top_rows=self._band_rows)
            # The stamp changes every frame: a frozen picture must be judged without it.
            self._content_freezes = ContentFreezeDetector(skip_top_rows=self._band_rows)
        assert self._content_freezes is not None
        self._content_freezes.update(t_s, y)
        if media_s is not None:
            captured_ms = None
            if stamp is not None and arrival_wallclock_ms is not None:
                captured_ms = float(unwrap_wallclock_ms(stamp.wallclock_ms_mod,
                                                        int(arrival_wallclock_ms)))
            self._avsync.flashes.update(media_s, y[self._band_rows:], captured_ms)
        clarity = self._clarity.update(y) if analyse_picture else None
        if analyse_picture and stamp is not None and self._reference is not None:
            self._score_against_reference(y, self._last_counter, stamp.wallclock_ms_mod)
        self._timeline.update(rel_s, clarity, latency_ms)
        return FrameOutcome(t_s=rel_s, clarity=clarity, latency_ms=latency_ms,
                            stamped=stamp is not None)

    def _score_against_reference(self, y: np.ndarray, counter: int | None,
                                 wallclock_ms_mod: int) -> None:
        assert self._reference is not None and counter is not None
        source = self._reference(counter, wallclock_ms_mod)
        if source is not None and source.shape == y.shape:
            band = self._band_rows
            self._fullref.update(source[band:], y[band:])

    def audio_frame(self, pts_s: float, samples: np.ndarray, sample_rate: int,
                    channels: int = 1) -> None:
        """Account one decoded audio frame (int16 samples of ``channels`` channels, packed or
        planar) at presentation time ``pts_s`` (s; for a live stream its RTP time)."""
        self.audio.update(pts_s, samples, sample_rate)
        self._avsync.tones.update(pts_s, mono_float(samples, channels), sample_rate)

    def sender_report(self, kind: MediaKind, report: SenderReport) -> None:
        """Account one RTCP sender report of the video or audio stream (A/V sync's clock)."""
        self._avsync.sender_report(kind, report)

    def net_sample(self, sample: NetSample) -> None:
        """Account one once-a-second receiver counter sample (``t_s`` on the frames' clock)."""
        if self._t0_s is not None:
            sample = NetSample(**{**sample.__dict__, "t_s": sample.t_s - self._t0_s})
        self._network.update(sample)

    @property
    def stamped(self) -> bool:
        return self._g2g.stamps_read > 0

    def report(self, facts: RunFacts, limits: dict[str, Limit], duration_s: float | None = None,
               notes: tuple[str, ...] = ()) -> Report:
        """Score everything seen so far against ``limits`` and build the report."""
        content = self._content_freezes.events if self._content_freezes else ()
        stutter = summarize_stutter(self._freezes, self._dropped.dropped if self.stamped else None,
                                    extra=content)
        span_s = self._freezes.span_s
        duration_s = span_s if duration_s is None else duration_s
        clarity = self._clarity.result() if self._clarity else ClarityMeter().result()
        fullref = self._fullref.result()
        if fullref.pairs:
            clarity = dataclasses.replace(clarity, psnr_db=fullref.psnr_db, ssim=fullref.ssim)
        av_sync_ms = self._avsync.result()
        latency = self._g2g.result(facts.clock, facts.time_to_first_frame_ms,
                                   av_sync_ms=av_sync_ms, rtt_ms=self._network.rtt_ms,
                                   join_split=facts.join_split,
                                   sender_clock=self._avsync.clocks["video"])
        network = self._network.result()
        self.audio.codec = facts.audio_codec
        audio = self.audio.result()
        fps = (self.frames - 1) / span_s if span_s > 0 else None
        width, height = self._size if self._size else (None, None)
        values: dict[str, float | None] = {
            "fps": fps,
            "freeze_count": float(stutter.freeze_count),
            "frozen_fraction": stutter.frozen_fraction,
            "time_to_first_frame_ms": latency.time_to_first_frame_ms,
            "glass_to_glass_p95_ms": latency.glass_to_glass_ms.p95 if latency.glass_to_glass_ms else None,
            "clarity_score": clarity.score,
            "stutter_score": stutter.score,
            "loss_fraction": network.loss_fraction,
            "audio_gap_count": float(audio.gap_count) if audio else None,
            "av_sync_lead_ms": max(av_sync_ms, 0.0) if av_sync_ms is not None else None,
            "av_sync_lag_ms": max(-av_sync_ms, 0.0) if av_sync_ms is not None else None,
        }
        checks = run_checks(values, limits)
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
            timeline=self._timeline.rows(duration_s, stutter.freezes,
                                         self._network.bitrate_by_second_kbps),
            notes=notes,
        )

