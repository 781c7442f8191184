"""Effective height: the rows a picture's detail supports, from any height it was upscaled from.

Two steps, each from the resampling-detection literature:
1. Candidates. Interpolation leaves a periodic trace: the magnitude of the second difference
   down the columns of a picture upscaled from ``h`` to ``H`` rows varies with period ``H / h``
   rows, in step with where the source's rows fall (Mahdian & Saic 2008, "Blind authentication
   using periodic properties of interpolation"; Kirchner 2008). Its spectrum peaks at
   ``f = h / H`` cycles/row, seen folded into 0 … 0.5, so each peak names two heights,
   ``f H`` and ``(1 - f) H`` (and, for a source compressed before the upscale, whose 4- and
   8-row transform blocks repeat every ``4 H / h`` and ``8 H / h`` rows, ``4 f H`` and
   ``8 f H``). The codec's 8-row block grid puts its own peaks at multiples of
   1/8, which are skipped; instead the heights that put the resampling grid in step with it
   (``j H / 8``: 2:1, 4:3, 8:3 …) are always candidates (not 8:7, which this method misses).
2. Verification. A picture upscaled from ``h`` rows lies in the upscaler's range: it survives
   a round trip through ``h`` rows almost intact, but not one through a height a few percent
   off, while a native picture changes alike through both (``round_trip_ratio``). Compression
   before the upscale does not hide this, as it would a spectral cut-off. The candidate with
   the lowest ratio under its threshold is the effective height; none: the picture's own height;
   a picture too soft to tell (nothing changes in any round trip): unknown (None).

Limit: both traces are those of the upscale itself. A picture encoded after its upscale (a
sender that upscales its camera, then encodes) loses them to the encoder's quantisation at
live bitrates, and reads its coded height (``bench/bench_clarity.py`` counts these).
"""

from __future__ import annotations

import functools
from fractions import Fraction

import cv2
import numpy as np

from metrics.clarity.picture import BLOCK_PX, spread

ROUND_TRIP_COLUMNS = 48
NEARBY = 0.04  # the heights compared with a candidate: ±4 %
# Rows (mod 8) the round-trip error is measured on: those two rows or more from an 8-row block
# edge. Blocking coded after an upscale makes steps at the edges, which a round trip whose grid
# repeats in step with the blocks (4:3, 2:1) keeps better than one a few percent off: measured
# on all rows, a native picture as a JPEG at quality 10 read 810 of 1080 rows.
INNER_ROWS = (2, 3, 4, 5)
SEARCH_ROWS = 2  # a spectral candidate is tried this many rows either side (peaks are ~1 row)
SECOND_DIFFERENCE_COLUMN_STEP = 4  # the periodic trace is read on every 4th column
SPECTRUM_PADDING = 4  # zero-padding of the trace's spectrum, for sub-bin peak positions
PEAK_CANDIDATES = 4  # strongest spectral peaks tried
# A source compressed before its upscale leaves its transform blocks' grid (4 and 8 rows) in the
# trace too, at f = h / (period H): such a peak also names the height ``period f H``.
SOURCE_GRID_PERIODS = (4, 8)
PEAK_BASELINE_BINS = 31  # a peak is measured against the median of this many bins around it
MIN_PEAK_PROMINENCE = 4.0  # times that median: weaker peaks are noise
BLOCK_HARMONIC_GUARD = 0.004  # cycles/row either side of k/8 left out of the peak search
MIN_FREQUENCY = 0.02  # cycles/row: slower components are the picture's content
UPSCALE_RATIO = 0.8  # round-trip error ratio below which a picture is an upscale
# The same where the resampling grid repeats every 2, 4 or 8 rows (4:3, 8:3), in step with the
# codec's 8-px blocks: a compressed native picture keeps its block edges through such a round
# trip and earns evidence there too (native 720p at 540: 0.72-0.89 on the old calibration
# ladder, 0.73 as a JPEG at quality 40; upscales from 540: 0.44-0.73).
BLOCK_ALIGNED_UPSCALE_RATIO = 0.7
# Stricter still where, in addition, the height divides the picture's (2:1, 4:1): the grids line
# up row for row (native 1080p at 540: 0.77-1.0, 0.65 as a JPEG at quality 10). A whole ratio
# out of step with the blocks (3:1) needs no more than ``UPSCALE_RATIO``.
WHOLE_RATIO_UPSCALE_RATIO = 0.6
# Below this mean squared change (luma levels²) in a round trip through half the rows, the
# picture has too little fine detail to tell a native picture from an upscaled one.
MIN_DETAIL = 0.25
# The heights in step with the block grid tried as candidates, in eighths of the picture's
# (4:1, 8:3, 2:1, 8:5, 4:3). Not 1/8 (too small to matter) nor 7/8: at 8:7 the round trip's
# grid and the rows it is measured on (``INNER_ROWS``) share the block's period, and an upscale
# reads worse there than ±4 % off (ratio 1.4 from 630 of 720 rows), so 8:7 upscales are missed.
BLOCK_ALIGNED_EIGHTHS = (2, 3, 4, 5, 6)


def _round_trip_error(columns: np.ndarray, rows: int) -> float:
    """Mean squared change of ``columns`` (float32, H x n) scaled to ``rows`` and back, on the
    rows away from the codec's block edges (``INNER_ROWS``)."""
    height, count = columns.shape
    down = cv2.resize(columns, (count, rows), interpolation=cv2.INTER_AREA)
    back = cv2.resize(down, (count, height), interpolation=cv2.INTER_CUBIC)
    inner = _inner_rows(height)
    return float(cv2.norm(columns[inner], back[inner], cv2.NORM_L2SQR)) / (inner.size * count)


@functools.lru_cache(maxsize=8)
def _inner_rows(height: int) -> np.ndarray:
    return np.flatnonzero(np.isin(np.arange(height) % BLOCK_PX, INNER_ROWS))


def _columns(y: np.ndarray) -> np.ndarray:
    return np.take(y, spread(y.shape[1], ROUND_TRIP_COLUMNS), axis=1).astype(np.float32)


def _nearby_error(columns: np.ndarray, rows: int) -> float:
    return 0.5 * (_round_trip_error(columns, round(rows * (1 - NEARBY)))
                  + _round_trip_error(columns, round(rows * (1 + NEARBY))))


def round_trip_ratio(columns: np.ndarray, rows: int) -> float | None:
    """Round-trip error through ``rows`` over the mean of those through ±``NEARBY`` of it
    (low: upscaled from ``rows``); None where the nearby round trips change nothing."""
    nearby = _nearby_error(columns, rows)
    return _round_trip_error(columns, rows) / nearby if nearby > 0 else None


@functools.lru_cache(maxsize=8)
def _peak_search_mask(bins: int, padded: int) -> np.ndarray:
    freqs = np.fft.rfftfreq(padded)[:bins]
    harmonics = np.arange(1, BLOCK_PX // 2 + 1) / BLOCK_PX
    near_block = (np.abs(freqs[:, None] - harmonics[None, :]) < BLOCK_HARMONIC_GUARD).any(axis=1)
    return (freqs >= MIN_FREQUENCY) & ~near_block


def resampling_frequencies(y: np.ndarray) -> list[float]:
    """The strongest periodic components (cycles/row, 0 … 0.5) of the second difference's
    magnitude down the columns, off the block grid's harmonics, strongest first."""
    lines = y[:, ::SECOND_DIFFERENCE_COLUMN_STEP].astype(np.int16)
    trace = np.abs(lines[:-2] - 2 * lines[1:-1] + lines[2:]).mean(axis=1)
    trace = (trace - trace.mean()) * np.hanning(trace.size)
    padded = trace.size * SPECTRUM_PADDING
    spectrum = np.abs(np.fft.rfft(trace, n=padded))
    bins = spectrum.size
    baseline = _running_median(spectrum, PEAK_BASELINE_BINS * SPECTRUM_PADDING) + 1e-9
    prominence = np.where(_peak_search_mask(bins, padded), spectrum / baseline, 0.0)
    local_max = np.r_[False, (prominence[1:-1] >= prominence[:-2])
                      & (prominence[1:-1] >= prominence[2:]), False]
    peaks = np.flatnonzero(local_max & (prominence >= MIN_PEAK_PROMINENCE))
    strongest = peaks[np.argsort(prominence[peaks])[::-1][:PEAK_CANDIDATES]]
    return [float(i) / padded for i in strongest]


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    from scipy.ndimage import median_filter

    return median_filter(values, size=width, mode="nearest")


def _threshold(height: int, rows: int) -> float:
    """The ratio below which ``height`` rows are taken as upscaled from ``rows``: stricter
    where the resampling period (the ratio's numerator) divides the codec's block, strictest
    where the ratio is also whole."""
    ratio = Fraction(height, rows)
    if BLOCK_PX % ratio.numerator != 0:
        return UPSCALE_RATIO
    return WHOLE_RATIO_UPSCALE_RATIO if ratio.denominator == 1 else BLOCK_ALIGNED_UPSCALE_RATIO


def candidate_heights(y: np.ndarray) -> dict[int, range]:
    """Heights the picture may be upscaled from, by the height they centre on: both readings
    of each spectral peak, a few rows either side, and the heights in step with the block grid
    (``j H / 8``, exactly)."""
    h = y.shape[0]
    out = {round(h * j / BLOCK_PX): range(round(h * j / BLOCK_PX), round(h * j / BLOCK_PX) + 1)
           for j in BLOCK_ALIGNED_EIGHTHS}
    for f in resampling_frequencies(y):
        for centre in (f * h, (1 - f) * h, *(f * h * period for period in SOURCE_GRID_PERIODS)):
            rows = round(centre)
            if 8 <= rows and (rows + SEARCH_ROWS) * (1 + NEARBY) < h - 1:
                out.setdefault(rows, range(rows - SEARCH_ROWS, rows + SEARCH_ROWS + 1))
    return out


def effective_height(y: np.ndarray) -> int | None:
    """The height (px) the picture's detail supports: the source height of an upscale (the
    verified candidate with the lowest round-trip ratio), else the picture's own height; None
    when the picture is too soft to tell."""
    h = y.shape[0]
    columns = _columns(y)
    best: tuple[float, int] | None = None
    for centre, rows_range in candidate_heights(y).items():
        nearby = _nearby_error(columns, centre)  # the same for a few rows either side
        if nearby <= 0:
            continue
        for rows in rows_range:
            ratio = _round_trip_error(columns, rows) / nearby
            if ratio < _threshold(h, rows) and (best is None or ratio < best[0]):
                best = (ratio, rows)
    if best is not None:
        return best[1]
    if _round_trip_error(columns, max(1, h // 2)) < MIN_DETAIL:
        return None
    return h
