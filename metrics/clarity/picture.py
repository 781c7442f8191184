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
- ``ringing``: the high-frequency residue (Immerkær's mask) in a band 2–3 px beside strong
  edges over that away from edges: the Gibbs oscillation a coarse quantiser leaves along edges
  (the edge-neighbourhood idea of Marziliano et al.'s ringing metric, 2004); 1.0: none.
- ``detail_ratio``: fine-detail over coarse-structure power down the columns (log units).

The effective height is in ``metrics.clarity.height``.

Sharpness, blur and noise run on a fixed analysis canvas (``CANVAS_HEIGHT`` rows, any
resolution resized to it) so that they mean the same at 360p and 1080p, as a viewer's screen
shows them; blockiness runs on the decoded grid, where the codec's blocks are.
"""

from __future__ import annotations

import functools
import math

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
RING_EDGE_LEVEL = 160  # |Sobel x| + |Sobel y| (3x3) at which a step counts as a strong edge
RING_BAND_PX = (1, 3)  # the ringing band: from beyond this dilation of the edges to this one
RING_CLEAR_PX = 7  # pixels this far from any strong edge are the reference


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


@functools.lru_cache(maxsize=4)
def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))


def ringing(canvas: np.ndarray) -> float:
    """High-frequency residue beside strong edges over that away from them (1.0: no ringing).

    The residue is the magnitude of Immerkær's mask (``noise_level``'s), which cancels smooth
    ramps and straight edges up to second order, so the oscillation a coarse quantiser leaves
    around an edge (and mosquito noise) shows, while the edge itself does not. 1.0 also when
    the picture has no strong edge or nothing away from one."""
    gx = cv2.Sobel(canvas, cv2.CV_16S, 1, 0)
    gy = cv2.Sobel(canvas, cv2.CV_16S, 0, 1)
    magnitude = cv2.add(cv2.convertScaleAbs(gx), cv2.convertScaleAbs(gy))
    edges = (magnitude >= RING_EDGE_LEVEL).astype(np.uint8)
    inner, outer = (cv2.dilate(edges, _disc(r)) for r in RING_BAND_PX)
    band = cv2.subtract(outer, inner)
    clear = 1 - cv2.dilate(edges, _disc(RING_CLEAR_PX))
    residue = cv2.convertScaleAbs(cv2.sepFilter2D(canvas, cv2.CV_16S, NOISE_KERNEL, NOISE_KERNEL))
    band_n, clear_n = cv2.countNonZero(band), cv2.countNonZero(clear)
    if band_n == 0 or clear_n == 0:
        return 1.0
    near = cv2.sumElems(cv2.multiply(residue, band, dtype=cv2.CV_16U))[0] / band_n
    away = cv2.sumElems(cv2.multiply(residue, clear, dtype=cv2.CV_16U))[0] / clear_n
    return float((near + 1.0) / (away + 1.0))


@functools.lru_cache(maxsize=8)
def _hann(length: int) -> np.ndarray:
    return np.hanning(length).astype(np.float32)


@functools.lru_cache(maxsize=8)
def spread(width: int, count: int) -> np.ndarray:
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
    picked = np.take(y, spread(w, columns), axis=1)
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
