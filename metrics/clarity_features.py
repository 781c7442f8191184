"""No-reference picture features of one Y plane (uint8, H x W), each cheap enough for every frame.

- ``sharpness``: variance of the Laplacian (Pech-Pacheco et al., 2000), luma levels².
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

import math
from fractions import Fraction

import cv2
import numpy as np

BLOCK_PX = 8
CANVAS_HEIGHT = 540  # rows of the analysis canvas (half of 1080p: a 2:1 decimation there)
BLUR_TAPS = 9
NOISE_MASK = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)  # Immerkær
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
    """``y`` on the analysis canvas: ``CANVAS_HEIGHT`` rows, aspect kept (uint8)."""
    h, w = y.shape
    if h == 2 * CANVAS_HEIGHT:
        # 1080p: plain 2:1 decimation (y[::2, ::2]); OpenCV's nearest neighbour at a whole
        # ratio picks exactly those pixels, and copies them faster than NumPy's strided copy.
        return cv2.resize(y, (w // 2, CANVAS_HEIGHT), interpolation=cv2.INTER_NEAREST)
    width = max(1, round(w * CANVAS_HEIGHT / h))
    interpolation = cv2.INTER_AREA if h > CANVAS_HEIGHT else cv2.INTER_LINEAR
    return cv2.resize(y, (width, CANVAS_HEIGHT), interpolation=interpolation)


def sharpness(canvas: np.ndarray) -> float:
    """Variance of the Laplacian (luma levels²); higher is sharper.

    From its sum and sum of squares (OpenCV's L2 norm of int16 is about twice as fast as its
    meanStdDev, measured at 540 rows; the Laplacian's mean is near 0, so no cancellation)."""
    laplacian = cv2.Laplacian(canvas, cv2.CV_16S)
    count = laplacian.size
    mean = float(cv2.sumElems(laplacian)[0]) / count
    return float(cv2.norm(laplacian, cv2.NORM_L2SQR)) / count - mean * mean


def _variation(image: np.ndarray, axis: int) -> np.ndarray:
    """|neighbour steps| of a uint8 picture along ``axis`` (0: down, 1: across), uint8."""
    if axis == 0:
        return cv2.absdiff(image[1:], image[:-1])
    return cv2.absdiff(image[:, 1:], image[:, :-1])


def blur(canvas: np.ndarray) -> float:
    """Perceptual blur (Crété-Roffet 2007): 0 sharp … 1 fully blurred.

    Horizontal steps on every 2nd row, vertical steps on every 2nd column.
    """
    total, lost = 0.0, 0.0
    for axis, kernel, lines in ((1, (BLUR_TAPS, 1), canvas[::2]),
                                (0, (1, BLUR_TAPS), np.ascontiguousarray(canvas[:, ::2]))):
        d_image = _variation(lines, axis)
        d_blurred = _variation(cv2.blur(lines, kernel), axis)
        total += float(cv2.sumElems(d_image)[0])
        lost += float(cv2.sumElems(cv2.subtract(d_image, d_blurred))[0])
    return 1.0 - lost / total if total > 0 else 1.0


def _mean_step(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float(np.abs(a[: n[0], : n[1]].astype(np.int16) - b[: n[0], : n[1]]).mean())


def blockiness(y: np.ndarray) -> float:
    """Block-boundary discontinuity on the decoded grid (1.0: none; higher: visible blocks).

    The mean |step| across the 8-px block boundaries over the mean |step| half a block away
    (so content with its own 4- or 2-px structure, such as text or fine texture, does not read
    as blocking), for column boundaries on every 4th row and row boundaries on every 4th column;
    the two ratios averaged.
    """
    b, m = BLOCK_PX, BLOCK_PX // 2
    ratios = []
    for boundary, mid in (
            ((y[::4, b - 1::b], y[::4, b::b]), (y[::4, m - 1::b], y[::4, m::b])),
            ((y[b - 1::b, ::4], y[b::b, ::4]), (y[m - 1::b, ::4], y[m::b, ::4]))):
        inside = _mean_step(*mid)
        if inside > 0:
            ratios.append(_mean_step(*boundary) / inside)
    return float(np.mean(ratios)) if ratios else 1.0


def noise_level(canvas: np.ndarray) -> float:
    """Noise standard deviation (luma levels): Immerkær's estimator on the centre quarter.

    For Gaussian noise of sigma, the mask's response has mean |r| = 6 sigma sqrt(2/pi) …
    Immerkær's sigma = sqrt(pi/2) mean|r| / 6.
    """
    h, w = canvas.shape
    centre = canvas[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    response = cv2.filter2D(centre, cv2.CV_16S, NOISE_MASK)[1:-1, 1:-1]
    mean_abs = cv2.norm(response, cv2.NORM_L1) / response.size
    return math.sqrt(math.pi / 2.0) * mean_abs / 6.0


def vertical_spectrum(y: np.ndarray, columns: int = SPECTRUM_COLUMNS) -> np.ndarray:
    """Mean power spectrum (natural log) down ``columns`` evenly spaced columns of ``y``,
    frequencies 0 … 0.5 cycles/px (``rfft`` bins of the height)."""
    h, w = y.shape
    picked = y[:, np.linspace(0, w - 1, min(columns, w)).astype(int)].astype(np.float32)
    picked -= picked.mean(axis=0)
    window = np.hanning(h).astype(np.float32)[:, None]
    power = np.abs(np.fft.rfft(picked * window, axis=0)) ** 2
    return np.log(power.mean(axis=1) + 1e-3)


def detail_ratio(y: np.ndarray) -> float:
    """Mean log power at 0.2–0.45 cycles/px minus that at 0.03–0.09, down the columns: how much
    fine detail survives next to the coarse structure (natural log units; lower when blurred,
    upscaled or quantised)."""
    spectrum = vertical_spectrum(y)
    freqs = np.linspace(0.0, 0.5, spectrum.size)
    fine = (freqs >= FINE_BAND[0]) & (freqs <= FINE_BAND[1])
    coarse = (freqs >= COARSE_BAND[0]) & (freqs <= COARSE_BAND[1])
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
    columns = np.ascontiguousarray(
        y[:, np.linspace(0, w - 1, ROUND_TRIP_COLUMNS).astype(int)], dtype=np.float32)
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
