"""Streaming clarity of a stream: per-frame features in, a VMAF estimate and a 1–5 score out.

Per frame (``metrics.clarity.picture``): sharpness, blur, blockiness, noise, detail ratio, and
on every ``RINGING_EVERY``-th frame ringing; the effective height (``metrics.clarity.height``)
on every ``EFFECTIVE_HEIGHT_EVERY``-th frame; with each frame, when the caller knows them, its
coded size and quantiser (``metrics.clarity.bitstream.FrameCoding``). The run's means are the
``Evidence`` the model (``metrics.clarity.model``) turns into a VMAF estimate for the display
the meter judges for (``metrics.clarity.display``), using the richest tier of model the
evidence supports; the 1–5 score is ``1 + 4 * VMAF / 100``.

Flat frames (the pattern's flash, black) tell nothing about clarity and are skipped.
"""

from __future__ import annotations

import math
from collections import Counter

import cv2
import numpy as np

from metrics.clarity import fitted
from metrics.clarity.bitstream import FrameCoding
from metrics.clarity.display import DEFAULT_DISPLAY, Display
from metrics.clarity.height import effective_height
from metrics.clarity.model import Evidence, LinearModel, model_inputs
from metrics.clarity.picture import (
    analysis_canvas,
    blockiness,
    blur,
    detail_ratio,
    noise_level,
    ringing,
    sharpness,
)
from metrics.report import Clarity

# Frames whose luma standard deviation is below this are flat (flash, black): no clarity data.
FLAT_STD = 4.0
# Effective height is a property of the stream, and the costliest feature (~20 ms at 1080p):
# it is estimated on every n-th analysed frame (once a second at 30 fps); frames in between
# use the latest estimate.
EFFECTIVE_HEIGHT_EVERY = 30
RINGING_EVERY = 15  # ringing costs ~10 ms at 1080p (a 540-row canvas) and changes slowly
MOS_MIN, MOS_MAX = 1.0, 5.0
NOISE_FLOOR = 0.5  # luma levels added before the log: a clean picture's noise is ~0


def score_from_vmaf(vmaf: float) -> float:
    """VMAF (0–100) on the 1–5 MOS scale, clipped."""
    return float(min(MOS_MAX, max(MOS_MIN, 1.0 + 4.0 * vmaf / 100.0)))


def model_for(display: Display, tier: str) -> LinearModel:
    """The fitted model of ``tier`` for ``display``'s VMAF model."""
    return fitted.MODELS[display.vmaf_model][tier]


class ClarityMeter:
    """Streaming clarity: ``update`` per frame, ``result`` for the run (no frames kept)."""

    def __init__(self, skip_top_rows: int = 0, display: Display = DEFAULT_DISPLAY) -> None:
        self._skip = skip_top_rows
        self.display = display
        self._raw = np.zeros(4)  # sharpness, blur, blockiness, noise (plain means, reported)
        self._logged = np.zeros(5)  # log sharpness, blur, log blockiness, log noise, detail
        self._ringing_log_sum, self._ringing_n = 0.0, 0
        self._heights: Counter[int | None] = Counter()  # estimates (rows, full frame)
        self._height: int | None = None
        self._quantiser_sum, self._quantiser_log2_sum, self._quantiser_n = 0.0, 0.0, 0
        self._bits, self._coded_pixels = 0, 0
        self._codec: str | None = None
        self._coded_height = 0
        self.frames = 0

    def update(self, y: np.ndarray, coding: FrameCoding | None = None) -> float | None:
        """Account one frame's Y plane (and its ``coding``, when known); returns its 1–5
        score (None for a flat frame)."""
        if coding is not None:
            self._account_coding(coding, y.shape)
        picture = y[self._skip:]
        if float(cv2.meanStdDev(picture[::8])[1][0, 0]) < FLAT_STD:  # every 8th row
            return None
        self._coded_height = y.shape[0]
        canvas = analysis_canvas(picture)
        if self.frames % EFFECTIVE_HEIGHT_EVERY == 0:
            estimate = effective_height(picture)
            self._height = (None if estimate is None
                            else round(estimate * y.shape[0] / picture.shape[0]))
            self._heights[self._height] += 1
        if self.frames % RINGING_EVERY == 0:
            self._ringing_log_sum += math.log(ringing(canvas))
            self._ringing_n += 1
        parts = np.array([sharpness(canvas), blur(canvas), blockiness(picture),
                          noise_level(canvas)])
        logged = np.array([math.log1p(parts[0]), parts[1], math.log(max(parts[2], 1e-3)),
                           math.log(parts[3] + NOISE_FLOOR), detail_ratio(picture)])
        self._raw += parts
        self._logged += logged
        self.frames += 1
        return score_from_vmaf(self._vmaf(self._evidence(logged, self._height)))

    def _account_coding(self, coding: FrameCoding, shape: tuple[int, ...]) -> None:
        self._codec = coding.codec
        if coding.size_bytes is not None:
            self._bits += 8 * coding.size_bytes
            self._coded_pixels += shape[0] * shape[1]
        if coding.quantiser is not None:
            self._quantiser_sum += coding.quantiser
            self._quantiser_log2_sum += coding.quantiser_log2()
            self._quantiser_n += 1

    def _evidence(self, logged: np.ndarray, height: int | None,
                  bits_per_pixel: float | None = None) -> Evidence:
        ring = self._ringing_log_sum / self._ringing_n if self._ringing_n else 0.0
        if self._coded_pixels:  # the frames' own sizes first
            bits_per_pixel = self._bits / self._coded_pixels
        quantiser = (self._quantiser_log2_sum / self._quantiser_n if self._quantiser_n
                     else None)
        return Evidence(log_sharpness=float(logged[0]), blur=float(logged[1]),
                        log_blockiness=float(logged[2]), log_noise=float(logged[3]),
                        log_ringing=ring, detail_ratio=float(logged[4]),
                        effective_height=height, coded_height=self._coded_height,
                        quantiser_log2=quantiser if bits_per_pixel is not None else None,
                        bits_per_pixel=bits_per_pixel, codec=self._codec)

    def _vmaf(self, evidence: Evidence) -> float:
        rows = self.display.rows_for(evidence.coded_height)
        return model_for(self.display, evidence.tier()).vmaf(model_inputs(evidence, rows))

    def evidence(self, bits_per_pixel: float | None = None) -> Evidence | None:
        """The run's evidence (means over the non-flat frames), or None before any.
        ``bits_per_pixel`` stands in when the frames' coded sizes were not given (a live
        stream's bitrate over its pixel rate)."""
        if not self.frames:
            return None
        return self._evidence(self._logged / self.frames, self._run_height(), bits_per_pixel)

    def _run_height(self) -> int | None:
        """The upper median of the known estimates (with two, the larger: a starved key frame
        alone reads low); None if most estimates were unknown."""
        known = sorted((h, n) for h, n in self._heights.items() if h is not None)
        count = sum(n for _, n in known)
        if not count or count * 2 < sum(self._heights.values()):
            return None
        seen = 0
        for height, n in known:
            seen += n
            if seen * 2 > count:
                return height
        return known[-1][0]

    def result(self, bits_per_pixel: float | None = None) -> Clarity:
        """The run's clarity: mean parts, and the VMAF estimate and score of its evidence."""
        evidence = self.evidence(bits_per_pixel)
        if evidence is None:
            return Clarity(score=None, sharpness=None, blockiness=None, blur=None,
                           effective_height=None, display=self.display.name)
        vmaf = self._vmaf(evidence)
        sharp, blurred, blocky, noise = self._raw / self.frames
        return Clarity(score=round(score_from_vmaf(vmaf), 3), sharpness=float(sharp),
                       blockiness=float(blocky), blur=float(blurred),
                       effective_height=evidence.effective_height, noise=float(noise),
                       vmaf_estimate=vmaf, ringing=math.exp(evidence.log_ringing),
                       display=self.display.name,
                       display_rows=self.display.rows_for(evidence.coded_height),
                       model=evidence.tier(),
                       quantiser=(self._quantiser_sum / self._quantiser_n
                                  if self._quantiser_n else None),
                       bits_per_pixel=evidence.bits_per_pixel)
