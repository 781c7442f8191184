"""No-reference picture features of one Y plane (uint8, H x W), each cheap enough for every frame.

- ``sharpness``: variance of the Laplacian (Pech-Pacheco et al., 2000), luma levels², with the
  3x3 aperture of second Sobel derivatives, [[2, 0, 2], [0, -8, 0], [2, 0, 2]].
- ``blur``: the perceptual blur of Crété-Roffet et al. (2007), 0 (sharp) to 1 (flat): how much
  of the picture's own neighbour-to-neighbour variation survives a further 9-tap box blur. An
  already blurred picture loses little; a sharp one loses much. Both directions, averaged.
- ``blockiness``: mean |luma step| across 8-px block boundaries over the mean step 4 px away,
  both directions (the boundary-discontinuity idea of FFmpeg's ``blockdetect``); 1.0: no grid.
- ``noise_level``: the standard deviation (luma levels) of noise by Immerkær's fast estimator
  (1996): a 3x3 mask that cancels planes and edges up to second order, on the centre quarter.
- ``effective_height``: the height (px) the picture's vertical detail supports. A picture
  upscaled from ``h`` rows survives a round trip through ``h`` rows intact but not one through a
  nearby height (``upscale_evidence``); compression noise added before the upscale does not
  hide this, as it would a spectral cut-off.
- ``detail_ratio``: fine-detail over coarse-structure power down the columns (log units).

Sharpness, blur and noise run on a fixed analysis canvas (``CANVAS_HEIGHT`` rows, any
resolution resized to it) so that they mean the same at 360p and 1080p, as a viewer's screen
shows them; blockiness runs on the decoded grid, where the codec's blocks are.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import cv2
import numpy as np
import scipy.fft

BLOCK_PX = 8
CANVAS_HEIGHT = 540  # rows of the analysis canvas (half of 1080p: a 2x2 mean there)
BLUR_TAPS = 9
BLUR_LINE_STEP = 4  # blur reads every 4th row and every 4th column
# Immerkær's 3x3 mask [[1, -2, 1], [-2, 4, -2], [1, -2, 1]] is this 3-tap kernel times itself.
NOISE_KERNEL = np.array([1, -2, 1], dtype=np.float32)
SPECTRUM_COLUMNS = 48  # columns sampled for the vertical spectrum (fewer: graphics rank worse)
COARSE_BAND = (0.03, 0.09)  # cycles/px
FINE_BAND = (0.2, 0.45)  # cycles/px
# Heights pictures are commonly made at (and upscaled from).
SOURCE_HEIGHTS = (240, 270, 288, 360, 432, 480, 540, 576, 600, 720, 768, 810, 900, 960, 1080,
                  1440)
ROUND_TRIP_COLUMNS = 48
NEARBY = 0.04  # the heights compared with a candidate: ±4 %
UPSCALE_RATIO = 0.8  # round-trip error ratio below which a picture is an upscale
# The same where the resampling grid repeats every 2, 4 or 8 rows (4:3, 8:3), in step with the
# codec's 8-px blocks: a compressed native picture keeps its block edges through such a round
# trip and earns evidence there too (native 720p at 540: 0.72-0.89 on the calibration ladder,
# 0.73 as a JPEG at quality 40; upscales from 540: 0.44-0.73).
BLOCK_ALIGNED_UPSCALE_RATIO = 0.7
# Stricter still where, in addition, the height divides the picture's (2:1, 4:1): the grids line
# up row for row (native 1080p at 540: 0.77-1.0 on the ladder, 0.65 as a JPEG at quality 10).
# A whole ratio out of step with the blocks (3:1) needs no more than ``UPSCALE_RATIO``: native
# 1080p reads 0.92-1.0 at 360 on the ladder (0.98 as a JPEG at quality 10), and an upscale from
# 360 up to 0.67 (x264 at 150 kbps).
WHOLE_RATIO_UPSCALE_RATIO = 0.6


def analysis_canvas(y: np.ndarray) -> np.ndarray:
    """``y`` on the analysis canvas: ``CANVAS_HEIGHT`` rows, aspect kept (uint8); area averaging
    down (at 1080p OpenCV's 2x2 mean, cheaper than plain decimation), bilinear up."""
    h, w = y.shape
    width = max(1, round(w * CANVAS_HEIGHT / h))
    interpolation = cv2.INTER_AREA if h > CANVAS_HEIGHT else cv2.INTER_LINEAR
    return cv2.resize(y, (width, CANVAS_HEIGHT), interpolation=interpolation)


def sharpness(canvas: np.ndarray) -> float:
    """Variance of the Laplacian (luma levels²); higher is sharper.

    OpenCV's ``ksize=3`` aperture (the sum of second Sobel derivatives) runs its vectorised
    3x3 path, 2.4 times as fast at 540 rows as the 4-neighbour ``ksize=1`` one, and ignores only
    the pixel checkerboard. The variance comes from the sum and sum of squares (OpenCV's L2 norm
    of int16 is about twice as fast as its meanStdDev; the Laplacian's mean is near 0, so no
    cancellation)."""
    laplacian = cv2.Laplacian(canvas, cv2.CV_16S, ksize=3)
    count = laplacian.size
    mean = float(cv2.sumElems(laplacian)[0]) / count
    return float(cv2.norm(laplacian, cv2.NORM_L2SQR)) / count - mean * mean


def _blur_sums(lines: np.ndarray) -> tuple[float, float]:
    """Along the rows of ``lines`` (uint8): the total |neighbour step|, and how much of it a
    ``BLUR_TAPS`` box blur takes away (steps that grow under the blur count 0)."""
    steps = cv2.absdiff(lines[:, 1:], lines[:, :-1])
    blurred = cv2.blur(lines, (BLUR_TAPS, 1))
    lost = cv2.subtract(steps, cv2.absdiff(blurred[:, 1:], blurred[:, :-1]))
    return float(cv2.sumElems(steps)[0]), float(cv2.sumElems(lost)[0])


def blur(canvas: np.ndarray) -> float:
    """Perceptual blur (Crété-Roffet 2007): 0 sharp … 1 fully blurred.

    Horizontal steps on every ``BLUR_LINE_STEP``-th row, vertical steps on every
    ``BLUR_LINE_STEP``-th column (as rows of the transposed canvas).
    """
    across = _blur_sums(canvas[::BLUR_LINE_STEP])
    down = _blur_sums(cv2.transpose(canvas)[::BLUR_LINE_STEP])
    total, lost = across[0] + down[0], across[1] + down[1]
    return 1.0 - lost / total if total > 0 else 1.0


def _column_sums(steps: np.ndarray) -> np.ndarray:
    """Sum down each column of a uint8 array (int64 per column)."""
    return cv2.reduce(steps, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.int64)


def _step_ratio(boundary: np.ndarray, mid: np.ndarray) -> float | None:
    """Mean boundary step over mean mid-block step (from per-line step sums), None if flat."""
    inside = mid.sum() / mid.size
    return float(boundary.sum() / boundary.size / inside) if inside > 0 else None


def _row_steps(y: np.ndarray, first: int) -> np.ndarray:
    """|step| from row ``first`` to the next in every block (rows ``first`` + k * 8), summed
    down every 4th column."""
    upper, lower = y[first::BLOCK_PX], y[first + 1::BLOCK_PX]
    n = min(upper.shape[0], lower.shape[0])
    return _column_sums(cv2.absdiff(upper[:n], lower[:n]))[::4] / n


def blockiness(y: np.ndarray) -> float:
    """Block-boundary discontinuity on the decoded grid (1.0: none; higher: visible blocks).

    The mean |step| across the 8-px block boundaries over the mean |step| half a block away
    (so content with its own 4- or 2-px structure, such as text or fine texture, does not read
    as blocking), for column boundaries on every 4th row and row boundaries on every 4th column;
    the two ratios averaged. Steps are taken whole rows at a time and summed per column, so
    OpenCV does the work without strided copies.
    """
    b, m = BLOCK_PX, BLOCK_PX // 2
    across = _column_sums(cv2.absdiff(y[::4, 1:], y[::4, :-1]))  # step from column j to j + 1
    ratios = [r for r in (_step_ratio(across[b - 1::b], across[m - 1::b]),
                          _step_ratio(_row_steps(y, b - 1), _row_steps(y, m - 1)))
              if r is not None]
    return float(np.mean(ratios)) if ratios else 1.0


def noise_level(canvas: np.ndarray) -> float:
    """Noise standard deviation (luma levels): Immerkær's estimator on the centre quarter.

    For Gaussian noise of sigma, the mask's response has mean |r| = 6 sigma sqrt(2/pi) …
    Immerkær's sigma = sqrt(pi/2) mean|r| / 6.
    """
    h, w = canvas.shape
    centre = canvas[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    response = cv2.sepFilter2D(centre, cv2.CV_16S, NOISE_KERNEL, NOISE_KERNEL)[1:-1, 1:-1]
    mean_abs = cv2.norm(response, cv2.NORM_L1) / response.size
    return math.sqrt(math.pi / 2.0) * mean_abs / 6.0


@functools.lru_cache(maxsize=8)
def _hann(length: int) -> np.ndarray:
    return np.hanning(length).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _spread(width: int, count: int) -> np.ndarray:
    """``count`` (at most ``width``) evenly spaced column indices, 0 … ``width`` - 1."""
    return np.linspace(0, width - 1, min(count, width)).astype(int)


@functools.lru_cache(maxsize=8)
def _bands(bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(fine, coarse): which of ``bins`` spectrum bins (0 … 0.5 cycles/px) are in each band."""
    freqs = np.linspace(0.0, 0.5, bins)
    return ((freqs >= FINE_BAND[0]) & (freqs <= FINE_BAND[1]),
            (freqs >= COARSE_BAND[0]) & (freqs <= COARSE_BAND[1]))


def vertical_spectrum(y: np.ndarray, columns: int = SPECTRUM_COLUMNS) -> np.ndarray:
    """Mean power spectrum (natural log) down ``columns`` evenly spaced columns of ``y``,
    frequencies 0 … 0.5 cycles/px (``rfft`` bins of the height)."""
    h, w = y.shape
    picked = np.take(y, _spread(w, columns), axis=1)
    lines = picked.T.astype(np.float32)  # one row per column: the transform runs along memory
    lines -= lines.mean(axis=1, keepdims=True)
    lines *= _hann(h)
    spectrum = scipy.fft.rfft(lines, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    return np.log(power.mean(axis=0) + 1e-3)


def detail_ratio(y: np.ndarray) -> float:
    """Mean log power at 0.2–0.45 cycles/px minus that at 0.03–0.09, down the columns: how much
    fine detail survives next to the coarse structure (natural log units; lower when blurred,
    upscaled or quantised)."""
    spectrum = vertical_spectrum(y)
    fine, coarse = _bands(spectrum.size)
    if not fine.any() or not coarse.any():
        return 0.0
    return float(spectrum[fine].mean() - spectrum[coarse].mean())


def _round_trip_error(columns: np.ndarray, rows: int) -> float:
    """Mean squared change of ``columns`` (float32, H x n) scaled to ``rows`` and back."""
    height, count = columns.shape
    down = cv2.resize(columns, (count, rows), interpolation=cv2.INTER_AREA)
    back = cv2.resize(down, (count, height), interpolation=cv2.INTER_CUBIC)
    return float(cv2.norm(columns, back, cv2.NORM_L2SQR)) / columns.size


def upscale_evidence(y: np.ndarray) -> dict[int, float]:
    """For each standard height below the picture's: how much better a round trip through it
    keeps the picture than one through ±4 % of it (error ratio; low: upscaled from there).

    A picture upscaled from ``h`` rows survives a round trip through ``h`` rows almost intact
    (it lies in the upscaler's range), but not one through a height a few percent off; a native
    picture changes alike through both. Native pictures score about 0.85–1 (a little lower at
    whole-number ratios such as 2:1, where resampling grids line up), upscales about 0.2–0.78.
    """
    h, w = y.shape
    columns = np.take(y, _spread(w, ROUND_TRIP_COLUMNS), axis=1).astype(np.float32)
    ratios = {}
    for rows in (c for c in SOURCE_HEIGHTS if c < h):
        nearby = 0.5 * (_round_trip_error(columns, round(rows * (1 - NEARBY)))
                        + _round_trip_error(columns, round(rows * (1 + NEARBY))))
        if nearby > 0:
            ratios[rows] = _round_trip_error(columns, rows) / nearby
    return ratios


def effective_height(y: np.ndarray) -> int:
    """The height (px) the picture's detail supports: the source height of an upscale (the
    height with the strongest ``upscale_evidence`` under its threshold, ``_upscale_threshold``),
    else the picture's own height."""
    h = y.shape[0]
    passing = {rows: ratio for rows, ratio in upscale_evidence(y).items()
               if ratio < _upscale_threshold(h, rows)}
    return min(passing, key=passing.__getitem__) if passing else h


def _upscale_threshold(height: int, rows: int) -> float:
    """The ``upscale_evidence`` ratio below which ``height`` rows are taken as upscaled from
    ``rows``: stricter where the resampling period (the ratio's numerator: 2 rows at 2:1, 4 at
    4:3) divides the codec's block, strictest where the ratio is also whole."""
    ratio = Fraction(height, rows)
    if BLOCK_PX % ratio.numerator != 0:
        return UPSCALE_RATIO
    return WHOLE_RATIO_UPSCALE_RATIO if ratio.denominator == 1 else BLOCK_ALIGNED_UPSCALE_RATIO
