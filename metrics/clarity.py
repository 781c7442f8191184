"""No-reference clarity on the Y plane: sharpness and blockiness per frame, streamed.

- Sharpness: variance of the Laplacian of the Y plane (Pech-Pacheco et al., 2000), computed on a
  2:1 decimated plane for speed; higher is sharper. Flat frames (the pattern's flash) carry no
  information about sharpness and are skipped.
- Blockiness: mean absolute luma step across 8-pixel column boundaries divided by the mean step
  inside blocks (the boundary-discontinuity idea behind FFmpeg's ``blockdetect``); 1.0 means no
  visible block grid, higher means blocking.

The 1–5 ``score`` is left null here: a score must be fitted against VMAF, not guessed
(see the clarity issue); the parts are reported.
"""

from __future__ import annotations

import cv2
import numpy as np

from metrics.report import Clarity

BLOCK_PX = 8
DECIMATION = 2
# Frames whose luma standard deviation is below this are flat (flash, black): no sharpness data.
FLAT_STD = 4.0


def sharpness(y: np.ndarray) -> float:
    """Variance of the Laplacian of the 2:1 decimated Y plane (luma levels²)."""
    small = y[::DECIMATION, ::DECIMATION]
    return float(cv2.Laplacian(small, cv2.CV_32F).var())


def blockiness(y: np.ndarray) -> float:
    """Mean |step| across 8-px column boundaries over the mean |step| elsewhere (1.0: none)."""
    steps = np.abs(np.diff(y[::DECIMATION].astype(np.int16), axis=1))
    columns = np.arange(steps.shape[1])
    at_boundary = (columns % BLOCK_PX) == BLOCK_PX - 1
    inside = float(steps[:, ~at_boundary].mean())
    return float(steps[:, at_boundary].mean()) / inside if inside > 0 else 1.0


class ClarityMeter:
    """Streaming clarity: ``update`` per frame, ``result`` for the run (no frames kept)."""

    def __init__(self, skip_top_rows: int = 0) -> None:
        self._skip = skip_top_rows
        self._sharpness_sum = 0.0
        self._blockiness_sum = 0.0
        self._frames = 0

    def update(self, y: np.ndarray) -> float | None:
        """Account one frame's Y plane; returns its per-frame score (null until calibrated)."""
        picture = y[self._skip:]
        if float(picture[::8, ::8].std()) < FLAT_STD:
            return None
        self._sharpness_sum += sharpness(picture)
        self._blockiness_sum += blockiness(picture)
        self._frames += 1
        return None

    def result(self) -> Clarity:
        """Mean sharpness and blockiness over the non-flat frames seen."""
        if self._frames == 0:
            return Clarity(score=None, sharpness=None, blockiness=None, blur=None,
                           effective_height=None)
        return Clarity(score=None, sharpness=self._sharpness_sum / self._frames,
                       blockiness=self._blockiness_sum / self._frames, blur=None,
                       effective_height=None)
