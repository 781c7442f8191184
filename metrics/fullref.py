"""Full-reference picture quality of aligned frame pairs: PSNR and SSIM on the Y plane.

- PSNR (dB): ``10 log10(255² / MSE)``, pooled over a run from the mean MSE (as FFmpeg's psnr
  filter reports its average), capped at ``PSNR_CAP_DB`` for identical pictures.
- SSIM (Wang et al. 2004) as FFmpeg's ssim filter computes it (x264's 8x8 windows every 4 px),
  on luma; the run's SSIM is the mean of the per-frame means.

VMAF comes from FFmpeg's libvmaf (``probe.analyze.vmaf``); this module stays pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

PSNR_CAP_DB = 100.0
PEAK = 255.0
C1 = (0.01 * PEAK) ** 2
C2 = (0.03 * PEAK) ** 2


def mse(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean squared error (luma levels²) of two equal-shape uint8 planes."""
    return float(cv2.norm(reference, test, cv2.NORM_L2SQR)) / reference.size


def psnr_db(mse_value: float) -> float:
    """PSNR (dB) of a mean squared error, capped at ``PSNR_CAP_DB``."""
    if mse_value <= 0:
        return PSNR_CAP_DB
    return min(PSNR_CAP_DB, 10.0 * math.log10(PEAK * PEAK / mse_value))


def ssim(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean SSIM of two equal-shape planes, as FFmpeg's ssim filter (and x264) compute it:
    8x8 windows every 4 px, from sums over 4x4 blocks, with C1 = (0.01·255)², C2 = (0.03·255)²."""
    h, w = (reference.shape[0] // 4) * 4, (reference.shape[1] // 4) * 4
    # Integer sums are exact and cheaper than float ones (an 8x8 sum of squares < 2^23).
    x = reference[:h, :w].astype(np.int32)
    y = test[:h, :w].astype(np.int32)

    def block_sums(values: np.ndarray) -> np.ndarray:
        """Sums over 4x4 blocks, then over 2x2 neighbouring blocks: 8x8 windows, stride 4."""
        blocks = values.reshape(h // 4, 4, w // 4, 4).sum(axis=(1, 3)).astype(np.float64)
        return blocks[:-1, :-1] + blocks[1:, :-1] + blocks[:-1, 1:] + blocks[1:, 1:]

    s1, s2 = block_sums(x), block_sums(y)
    ss, s12 = block_sums(x * x + y * y), block_sums(x * y)
    n = 64.0
    c1, c2 = C1 * n, C2 * n * (n - 1)
    variances = ss * n - s1 * s1 - s2 * s2
    covariance = s12 * n - s1 * s2
    values = ((2 * s1 * s2 + c1) * (2 * covariance + c2)
              / ((s1 * s1 + s2 * s2 + c1) * (variances + c2)))
    return float(values.mean())


@dataclass(frozen=True)
class FullReference:
    """A run's full-reference scores over its aligned pairs."""

    pairs: int
    psnr_db: float | None
    ssim: float | None


class FullReferenceMeter:
    """Streaming PSNR/SSIM over aligned (reference, test) Y-plane pairs.

    SSIM costs about ten times PSNR; ``ssim_every`` scores it on every n-th pair only.
    """

    def __init__(self, ssim_every: int = 1) -> None:
        self._ssim_every = max(1, ssim_every)
        self._mse_sum = 0.0
        self._ssim_sum = 0.0
        self._ssim_n = 0
        self.pairs = 0

    def update(self, reference: np.ndarray, test: np.ndarray) -> float:
        """Account one aligned pair of equal-shape Y planes; returns its PSNR (dB)."""
        if reference.shape != test.shape:
            raise ValueError(f"reference {reference.shape} and test {test.shape} differ in size")
        value = mse(reference, test)
        self._mse_sum += value
        if self.pairs % self._ssim_every == 0:
            self._ssim_sum += ssim(reference, test)
            self._ssim_n += 1
        self.pairs += 1
        return psnr_db(value)

    def result(self) -> FullReference:
        if not self.pairs:
            return FullReference(0, None, None)
        return FullReference(self.pairs, psnr_db(self._mse_sum / self.pairs),
                             self._ssim_sum / self._ssim_n if self._ssim_n else None)
