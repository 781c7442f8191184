"""No-reference clarity of a stream: per-frame features and a 1–5 score fitted against VMAF.

Per frame (``metrics.clarity_features``): sharpness, blur, blockiness, noise and the detail
ratio; the effective height on every ``EFFECTIVE_HEIGHT_EVERY``-th frame. The score is a linear
model of some of those (``metrics.clarity_model``, chosen and fitted by
``fixtures/clarity/fit.py`` on an encode ladder scored by VMAF) predicting VMAF, mapped to 1–5 as
``1 + 4 * VMAF / 100``. It judges the picture as shown on a 1080-row display: a 480-row stream,
however clean, scores as a 480-row picture on that display.

Flat frames (the pattern's flash, black) tell nothing about clarity and are skipped.
"""

from __future__ import annotations

import math
from collections import Counter

import cv2
import numpy as np

from metrics import clarity_model
from metrics.clarity_features import (
    analysis_canvas,
    blockiness,
    blur,
    detail_ratio,
    effective_height,
    noise_level,
    sharpness,
)
from metrics.report import Clarity

# Frames whose luma standard deviation is below this are flat (flash, black): no clarity data.
FLAT_STD = 4.0
DISPLAY_HEIGHT = 1080  # the display the score judges a picture on (rows)
# Effective height is a property of the stream, and the costliest feature (~8 ms at 1080p):
# it is estimated on every n-th analysed frame (once a second at 30 fps); frames in between
# use the latest estimate.
EFFECTIVE_HEIGHT_EVERY = 30
MOS_MIN, MOS_MAX = 1.0, 5.0


# Every input the model may use, in the order of ``model_inputs``; the fitted model names the
# ones it uses (``clarity_model.INPUTS``).
CANDIDATE_INPUTS = ("log1p_sharpness", "blur", "log_blockiness", "log_noise", "height_fraction",
                    "detail_ratio")
_USED = [CANDIDATE_INPUTS.index(name) for name in clarity_model.INPUTS]


def model_inputs(sharpness_value: float, blur_value: float, blockiness_value: float,
                 noise_value: float, effective_height_px: float,
                 detail_ratio: float) -> np.ndarray:
    """All candidate inputs for one frame, in ``CANDIDATE_INPUTS`` order."""
    return np.array([
        math.log1p(sharpness_value),
        blur_value,
        math.log(max(blockiness_value, 1e-3)),
        math.log(noise_value + 0.5),
        min(effective_height_px, DISPLAY_HEIGHT) / DISPLAY_HEIGHT,
        detail_ratio,
    ])


def predicted_vmaf(inputs: np.ndarray) -> float:
    """VMAF predicted from (mean) candidate inputs by the fitted linear model."""
    return float(clarity_model.INTERCEPT + np.dot(clarity_model.WEIGHTS, inputs[_USED]))


def score_from_vmaf(vmaf: float) -> float:
    """VMAF (0–100) on the 1–5 MOS scale, clipped."""
    return float(min(MOS_MAX, max(MOS_MIN, 1.0 + 4.0 * vmaf / 100.0)))


class ClarityMeter:
    """Streaming clarity: ``update`` per frame, ``result`` for the run (no frames kept)."""

    def __init__(self, skip_top_rows: int = 0) -> None:
        self._skip = skip_top_rows
        self._sums = np.zeros(4)  # sharpness, blur, blockiness, noise
        self._input_sums = np.zeros(len(CANDIDATE_INPUTS))
        self._heights: Counter[int] = Counter()  # effective-height estimates (px, full frame)
        self._height: int | None = None
        self.frames = 0

    def update(self, y: np.ndarray) -> float | None:
        """Account one frame's Y plane; returns its 1–5 score (None for a flat frame)."""
        picture = y[self._skip:]
        if float(cv2.meanStdDev(picture[::8])[1][0, 0]) < FLAT_STD:  # every 8th row
            return None
        canvas = analysis_canvas(picture)
        if self._height is None or self.frames % EFFECTIVE_HEIGHT_EVERY == 0:
            self._height = round(effective_height(picture) * y.shape[0] / picture.shape[0])
            self._heights[self._height] += 1
        parts = (sharpness(canvas), blur(canvas), blockiness(picture), noise_level(canvas))
        inputs = model_inputs(*parts, self._height, detail_ratio(picture))
        self._sums += parts
        self._input_sums += inputs
        self.frames += 1
        return score_from_vmaf(predicted_vmaf(inputs))

    def mean_inputs(self) -> np.ndarray | None:
        """Mean candidate inputs over the frames seen (what the fit uses), or None."""
        return self._input_sums / self.frames if self.frames else None

    def result(self) -> Clarity:
        """Mean parts, and the score of the mean model inputs, over the non-flat frames."""
        inputs = self.mean_inputs()
        if inputs is None:
            return Clarity(score=None, sharpness=None, blockiness=None, blur=None,
                           effective_height=None)
        sharp, blurred, blocky, noise = self._sums / self.frames
        # The most frequent estimate (ties: the larger height).
        height = max(self._heights.items(), key=lambda item: (item[1], item[0]))[0]
        return Clarity(score=round(score_from_vmaf(predicted_vmaf(inputs)), 3),
                       sharpness=float(sharp), blockiness=float(blocky), blur=float(blurred),
                       effective_height=int(height), noise=float(noise))
