"""SAME / DIFFERENT / UNKNOWN as Chromium's Pinpoint decides it, with a minimum effect."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metrics.regression import (
    LOW_THRESHOLD,
    MinEffect,
    compare_samples,
    high_threshold,
    magnitude_in_iqr,
    p_value,
)

# Pinpoint's own table (dashboard/pinpoint/models/compare/thresholds.py, performance mode),
# made by its simulation: (sample size, magnitude in IQRs) -> high threshold. Ours are
# simulated independently; they must agree to within simulation noise.
PINPOINT_HIGH_THRESHOLDS = {(10, 2.0): 0.0073, (30, 1.0): 0.0091, (8, 1.5): 0.1563,
                            (6, 3.0): 0.0131, (12, 1.2): 0.1573, (5, 2.0): 0.1437}


def test_p_value_is_the_smaller_of_mann_whitney_and_kolmogorov_smirnov() -> None:
    # Pinpoint's two examples: MWU misses a change of spread, K-S a discrete shift.
    discrete = (np.zeros(20), np.r_[np.zeros(15), np.ones(5)])
    spread = (np.arange(10, 30.0), np.r_[np.arange(10.0), np.arange(30, 40.0)])
    for a, b in (discrete, spread):
        mwu = stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
        ks = stats.ks_2samp(a, b).pvalue
        assert p_value(a, b) == pytest.approx(min(mwu, ks))
        assert p_value(a, b) < 0.05
    assert stats.ks_2samp(*discrete).pvalue > 0.3  # K-S alone would miss it
    assert stats.mannwhitneyu(*spread, alternative="two-sided").pvalue > 0.3  # MWU alone too


def test_identical_constants_are_the_same() -> None:
    assert p_value(np.zeros(5), np.zeros(7)) == 1.0


@pytest.mark.parametrize(("size", "magnitude"), sorted(PINPOINT_HIGH_THRESHOLDS))
def test_high_thresholds_agree_with_pinpoints_simulated_table(size: int,
                                                              magnitude: float) -> None:
    ours, theirs = high_threshold(size, magnitude), PINPOINT_HIGH_THRESHOLDS[size, magnitude]
    assert theirs / 1.8 <= ours <= theirs * 1.8


def test_high_threshold_falls_with_more_samples_and_larger_effects() -> None:
    assert high_threshold(1, 1.0) == 1.0
    by_size = [high_threshold(n, 1.5) for n in (4, 8, 16, 32)]
    assert by_size == sorted(by_size, reverse=True) and by_size[-1] < LOW_THRESHOLD
    by_effect = [high_threshold(10, m) for m in (1.0, 2.0, 3.0)]
    assert by_effect == sorted(by_effect, reverse=True)


def test_magnitude_is_the_minimum_effect_in_interquartile_ranges_on_a_grid() -> None:
    baseline = np.array([10.0, 11.0, 12.0, 13.0, 14.0])  # IQR 2
    assert magnitude_in_iqr(baseline, 3.0) == 1.5
    assert magnitude_in_iqr(baseline, 3.37) == 1.6  # rounded down to the 0.1 grid
    assert magnitude_in_iqr(baseline, 0.1) == 0.5  # floor: below it repeats would never end
    assert magnitude_in_iqr(np.full(5, 3.0), 1.0) == 4.0  # no spread: any effect is large


def test_a_large_worse_shift_is_a_regression_and_a_better_one_is_not() -> None:
    rng = np.random.default_rng(1)
    base = list(30 + rng.normal(0, 0.3, 10))
    worse = list(25 + rng.normal(0, 0.3, 10))
    result = compare_samples(base, worse, "higher", MinEffect(relative=0.05))
    assert result.verdict == "DIFFERENT" and result.change == "worse" and result.regression
    assert result.relative_change == pytest.approx(-1 / 6, abs=0.02)
    better = compare_samples(worse, base, "higher", MinEffect(relative=0.05))
    assert better.verdict == "DIFFERENT" and better.change == "better" and not better.regression
    lower_is_better = compare_samples(worse, base, "lower", MinEffect(relative=0.05))
    assert lower_is_better.regression


def test_a_real_but_small_change_is_not_a_regression() -> None:
    rng = np.random.default_rng(2)
    base = list(100 + rng.normal(0, 0.1, 12))
    slightly = list(99 + rng.normal(0, 0.1, 12))  # 1 % lower, clearly different
    result = compare_samples(base, slightly, "higher", MinEffect(relative=0.05))
    assert result.verdict == "DIFFERENT" and result.change == "worse"
    assert not result.regression and result.min_effect == pytest.approx(5.0, rel=0.01)


def test_same_distribution_is_mostly_same_and_rarely_different() -> None:
    rng = np.random.default_rng(3)
    verdicts = [compare_samples(list(rng.normal(0, 1, 10)), list(rng.normal(0, 1, 10)),
                                "lower", MinEffect(absolute=2.0)).verdict for _ in range(100)]
    assert verdicts.count("DIFFERENT") <= 4  # 1 % level, both tests: a few percent at most
    assert verdicts.count("SAME") >= 75


def test_few_samples_of_a_moderate_shift_are_unknown() -> None:
    result = compare_samples([10.0, 10.4, 9.7], [10.9, 11.2, 10.6], "lower",
                             MinEffect(absolute=1.0))
    assert result.verdict == "UNKNOWN"


def test_bad_samples_are_refused() -> None:
    with pytest.raises(ValueError):
        compare_samples([], [1.0], "lower", MinEffect())
    with pytest.raises(ValueError):
        compare_samples([1.0, float("nan")], [1.0], "lower", MinEffect())


def test_only_an_unknown_that_could_become_a_regression_is_worth_more_runs() -> None:
    worse = compare_samples([10.0, 10.4, 9.7], [10.9, 11.2, 10.6], "lower",
                            MinEffect(absolute=1.0))
    assert worse.verdict == "UNKNOWN" and worse.worth_more_runs
    better = compare_samples([10.9, 11.2, 10.6], [10.0, 10.4, 9.7], "lower",
                             MinEffect(absolute=1.0))
    assert better.verdict == "UNKNOWN" and not better.worth_more_runs
    negligible = compare_samples([10.0, 10.4, 9.7], [10.9, 11.2, 10.6], "lower",
                                 MinEffect(absolute=3.0))
    assert not negligible.worth_more_runs
