"""Audio delivery: gaps (missing media time, or silence where sound is expected), level, clipping.

Live, a gap is bounded by the wall clock: media time that moved further than the time between
two arrivals allows (a sender restarted, the source was switched) is a timestamp jump, an
event (``metrics.events``), and only the silence the wall clock saw counts as a gap.
"""

from __future__ import annotations

import math

import numpy as np

from metrics.events import timestamp_jump_s
from metrics.report import Audio

INT16_FULL_SCALE = 32768.0
# A sample at or above this magnitude counts as clipped (0.1 dB below full scale).
CLIP_LEVEL = 32730
# Missing media time shorter than this is packet-loss concealment a listener barely notices.
GAP_MIN_MS = 40.0
# Below this RMS a frame is silent; the test pattern's pilot tone sits near -20 dBFS.
SILENCE_DBFS = -60.0


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dBFS (-inf for digital silence)."""
    if samples.size == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * math.log10(rms / INT16_FULL_SCALE) if rms > 0 else -math.inf


class AudioMeter:
    """Streaming audio meter over decoded frames in presentation order.

    A gap is media time that never arrived (a jump in presentation time), or, when
    ``expect_continuous`` (the test pattern plays a pilot tone throughout), a silent stretch.
    Both must last at least ``GAP_MIN_MS``.
    """

    def __init__(self, expect_continuous: bool = False) -> None:
        self.expect_continuous = expect_continuous
        self.codec: str | None = None
        self._next_pts_s: float | None = None
        self._silent_run_s = 0.0
        self._gaps_s: list[float] = []
        self._energy = 0.0
        self._samples = 0
        self._clipped = 0
        self._last_arrival_s: float | None = None
        self._last_duration_s = 0.0
        self.jumps: list[tuple[float, float]] = []  # (arrival s, jump s) of media-time jumps

    def update(self, pts_s: float, samples: np.ndarray, sample_rate: int,
               arrival_s: float | None = None) -> float:
        """Account one frame: ``pts_s`` its presentation time (s), ``samples`` int16 (any layout),
        ``arrival_s`` when it arrived (s, monotonic; None for a file: its times are the truth).
        Returns the frame's energy (the sum of its squared samples), for per-second levels."""
        duration_s = samples.shape[-1] / sample_rate if samples.ndim > 1 else samples.size / sample_rate
        if self._next_pts_s is not None:
            missing_s = pts_s - self._next_pts_s
            if arrival_s is not None and self._last_arrival_s is not None:
                waited_s = arrival_s - self._last_arrival_s
                if timestamp_jump_s(missing_s, max(waited_s - self._last_duration_s, 0.0)):
                    self.jumps.append((arrival_s, missing_s))
                    missing_s = waited_s - self._last_duration_s  # what the wall clock saw
            if missing_s * 1000.0 >= GAP_MIN_MS:
                self._gaps_s.append(missing_s)
        self._next_pts_s = pts_s + duration_s
        self._last_arrival_s, self._last_duration_s = arrival_s, duration_s
        flat = samples.reshape(-1)
        energy = float(np.sum(np.square(flat, dtype=np.float64)))
        self._energy += energy
        self._samples += flat.size
        self._clipped += int(np.count_nonzero(np.abs(flat.astype(np.int32)) >= CLIP_LEVEL))
        if self.expect_continuous:
            self._track_silence(rms_dbfs(flat) < SILENCE_DBFS, duration_s)
        return energy

    def _track_silence(self, silent: bool, duration_s: float) -> None:
        if silent:
            self._silent_run_s += duration_s
            return
        if self._silent_run_s * 1000.0 >= GAP_MIN_MS:
            self._gaps_s.append(self._silent_run_s)
        self._silent_run_s = 0.0

    def result(self) -> Audio | None:
        """The report's audio section, or None when no audio frame arrived."""
        if self._samples == 0:
            return None
        gaps = list(self._gaps_s)
        if self.expect_continuous and self._silent_run_s * 1000.0 >= GAP_MIN_MS:
            gaps.append(self._silent_run_s)
        rms = math.sqrt(self._energy / self._samples)
        return Audio(
            codec=self.codec,
            gap_count=len(gaps),
            gap_total_s=math.fsum(gaps),
            level_dbfs=20.0 * math.log10(rms / INT16_FULL_SCALE) if rms > 0 else None,
            clipped_fraction=self._clipped / self._samples,
        )
