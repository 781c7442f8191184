"""Is a metric's new sample the same as its baseline, different, or not known yet?

The decision follows Chromium's Pinpoint (``dashboard/pinpoint/models/compare``): the p-value is
the smaller of the two-sided Mann–Whitney U and two-sample Kolmogorov–Smirnov tests (MWU misses a
change of spread, K–S is weak on discrete values), and two thresholds split it three ways:

- ``p <= LOW_THRESHOLD`` (0.01, Pinpoint's significance level): DIFFERENT;
- ``p > high_threshold(n, magnitude)``: SAME. The high threshold is the p-value that samples of
  size ``n`` from two distributions shifted by ``magnitude`` interquartile ranges stay under 99 %
  of the time: above it, a shift that large is unlikely, so the samples are called the same.
  Pinpoint ships a table of these made by simulation; they are simulated here the same way
  (normal samples, a fixed seed), so they are reproducible and cover any ``n``;
- otherwise UNKNOWN: more repeats are needed. As ``n`` grows the high threshold falls below the
  low one, so the number of repeats is bounded.

A DIFFERENT result is a regression only when the change goes the worse way *and* the medians
differ by at least the metric's minimum effect: CI noise that is real but too small to matter
(a loaded runner) must not turn a build red.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

LOW_THRESHOLD = 0.01  # Pinpoint's LowThreshold()
HIGH_THRESHOLD_POWER = 0.99  # share of shifted-sample p-values under the high threshold
SIMULATIONS = 2000
SIMULATION_SEED = 20181
NORMAL_IQR = 1.3489795  # interquartile range of the standard normal distribution
MAGNITUDE_STEP = 0.1  # magnitudes are simulated on this grid, as Pinpoint's table is
MAGNITUDE_RANGE = (0.5, 4.0)  # in IQRs: below, repeats would never end; above, nothing changes

Better = Literal["higher", "lower"]
Verdict = Literal["SAME", "DIFFERENT", "UNKNOWN"]


@dataclass(frozen=True)
class MinEffect:
    """The smallest change of a median that counts: ``max(absolute, relative × |baseline|)``."""

    relative: float = 0.0
    absolute: float = 0.0

    def of(self, baseline_median: float) -> float:
        return max(self.absolute, self.relative * abs(baseline_median))


@dataclass(frozen=True)
class Comparison:
    """A metric's current samples against its baseline samples."""

    verdict: Verdict
    p_value: float | None
    low_threshold: float
    high_threshold: float
    baseline_median: float
    current_median: float
    change: Literal["better", "worse", "none"]
    min_effect: float  # in the metric's unit
    regression: bool  # DIFFERENT, worse, and at least min_effect

    @property
    def worth_more_runs(self) -> bool:
        """UNKNOWN, and more runs could still make it a regression: the median moved the worse
        way by at least half the minimum effect (a better or negligible change cannot)."""
        return (self.verdict == "UNKNOWN" and self.change == "worse"
                and abs(self.current_median - self.baseline_median) >= self.min_effect / 2)

    @property
    def relative_change(self) -> float | None:
        """(current − baseline) / |baseline| of the medians, or None for a zero baseline."""
        if self.baseline_median == 0:
            return None
        return (self.current_median - self.baseline_median) / abs(self.baseline_median)


def p_value(baseline: np.ndarray, current: np.ndarray) -> float:
    """min(two-sided Mann–Whitney U, two-sample Kolmogorov–Smirnov) p-values, as Pinpoint."""
    from scipy import stats

    if np.all(baseline == baseline[0]) and np.array_equal(np.unique(baseline),
                                                           np.unique(current)):
        return 1.0  # identical constants: both tests are undefined, and nothing changed
    mwu = stats.mannwhitneyu(baseline, current, alternative="two-sided").pvalue
    with warnings.catch_warnings():  # K-S falls back to its asymptotic p-value on ties: fine
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = stats.ks_2samp(baseline, current).pvalue
    return float(min(mwu, ks))


@functools.lru_cache(maxsize=256)
def high_threshold(sample_size: int, magnitude_iqr: float) -> float:
    """The p-value under which samples of ``sample_size`` from two normal distributions shifted
    by ``magnitude_iqr`` interquartile ranges fall ``HIGH_THRESHOLD_POWER`` of the time
    (simulated, fixed seed). 1.0 for a single sample: one value can never show sameness."""
    if sample_size < 2:
        return 1.0
    from scipy import stats

    rng = np.random.default_rng(SIMULATION_SEED + sample_size)
    shift = magnitude_iqr * NORMAL_IQR
    a = rng.normal(0.0, 1.0, (SIMULATIONS, sample_size))
    b = rng.normal(shift, 1.0, (SIMULATIONS, sample_size))
    p = np.minimum(stats.mannwhitneyu(a, b, axis=1, alternative="two-sided").pvalue,
                   stats.ks_2samp(a, b, axis=1).pvalue)
    return float(np.quantile(p, HIGH_THRESHOLD_POWER))


def magnitude_in_iqr(baseline: np.ndarray, min_effect: float) -> float:
    """The smallest change that matters, in the baseline's interquartile ranges, on the grid
    the thresholds are simulated on."""
    q1, q3 = np.percentile(baseline, [25, 75])
    iqr = float(q3 - q1)
    low, high = MAGNITUDE_RANGE
    if iqr <= 0:
        return high
    magnitude = min(max(min_effect / iqr, low), high)
    return round(math.floor(magnitude / MAGNITUDE_STEP) * MAGNITUDE_STEP, 1)


def compare_samples(baseline: list[float], current: list[float], better: Better,
                    min_effect: MinEffect) -> Comparison:
    """SAME, DIFFERENT or UNKNOWN for ``current`` against ``baseline`` (see the module)."""
    if not baseline or not current:
        raise ValueError("compare_samples needs at least one value on each side")
    base = np.asarray(baseline, dtype=float)
    now = np.asarray(current, dtype=float)
    if not (np.isfinite(base).all() and np.isfinite(now).all()):
        raise ValueError("compare_samples needs finite values")
    base_median, now_median = float(np.median(base)), float(np.median(now))
    effect = min_effect.of(base_median)
    high = high_threshold(min(len(base), len(now)), magnitude_in_iqr(base, effect))
    p = p_value(base, now)
    verdict: Verdict = ("DIFFERENT" if p <= LOW_THRESHOLD else
                        "SAME" if p > high else "UNKNOWN")
    delta = now_median - base_median
    change = "none" if delta == 0 else \
        ("better" if (delta > 0) == (better == "higher") else "worse")
    regression = verdict == "DIFFERENT" and change == "worse" and abs(delta) >= effect
    return Comparison(verdict=verdict, p_value=p, low_threshold=LOW_THRESHOLD,
                      high_threshold=high, baseline_median=base_median,
                      current_median=now_median, change=change, min_effect=effect,
                      regression=regression)
