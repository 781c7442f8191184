"""BD-rate between two rate-quality curves, with the ``bjontegaard`` package.

The Bjøntegaard delta (VCEG-M33) averages the log-rate gap between two curves over the quality
range both cover; the package integrates PCHIP (JCT-VC's common test conditions sheet) or Akima
(Herglotz et al., ICIP 2022) interpolants. A number is given only for curves it means something
for: at least ``MIN_POINTS`` points each, quality rising with rate, and an overlapping quality
range; otherwise ``pct`` is None and ``reason`` says why.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BD_METHODS = ("akima", "pchip")
MIN_POINTS = 4  # VCEG-M33 fits over four rate points; fewer leave the interpolant unconstrained


@dataclass(frozen=True)
class BdRate:
    """Bitrate change (%) of ``test`` for the same quality as ``anchor`` (negative: saves bits);
    None with ``reason`` when the curves cannot be compared."""

    metric: str
    anchor: str
    test: str
    impairment: str
    pct: float | None
    reason: str | None
    anchor_points: tuple[tuple[float, float], ...] = ()  # (delivered kbps, quality), by rate
    test_points: tuple[tuple[float, float], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"metric": self.metric, "anchor": self.anchor, "test": self.test,
                "impairment": self.impairment, "pct": self.pct, "reason": self.reason,
                "anchor_points": [list(p) for p in self.anchor_points],
                "test_points": [list(p) for p in self.test_points]}


def _curve_problem(name: str, rates_kbps: Sequence[float], quality: Sequence[float]) -> str | None:
    values = [*rates_kbps, *quality]
    if any(v is None or not math.isfinite(v) for v in values):
        return f"{name} has a point without a measured rate or quality"
    if len(rates_kbps) < MIN_POINTS:
        return f"{name} has {len(rates_kbps)} points; BD-rate needs at least {MIN_POINTS}"
    if min(rates_kbps) <= 0:
        return f"{name} has a point at no delivered bitrate"
    order = np.argsort(rates_kbps)
    rates, scores = np.asarray(rates_kbps)[order], np.asarray(quality)[order]
    if np.any(np.diff(rates) <= 0) or np.any(np.diff(scores) <= 0):
        return f"{name} is not monotonic (quality must rise with delivered bitrate)"
    return None


def bd_rate_between(metric: str, anchor: str, test: str, impairment: str,
                    anchor_points: Sequence[tuple[float, float]],
                    test_points: Sequence[tuple[float, float]],
                    method: str = "akima") -> BdRate:
    """BD-rate (%) of ``test`` against ``anchor``; each point is (delivered kbps, quality)."""
    if method not in BD_METHODS:
        raise ValueError(f"BD-rate method {method!r}: use one of {', '.join(BD_METHODS)}")

    anchor_points, test_points = sorted(anchor_points), sorted(test_points)

    def refused(reason: str) -> BdRate:
        return BdRate(metric, anchor, test, impairment, None, reason, tuple(anchor_points),
                      tuple(test_points))

    curves = {anchor: anchor_points, test: test_points}
    for name, points in curves.items():
        rates, quality = [p[0] for p in points], [p[1] for p in points]
        if (problem := _curve_problem(name, rates, quality)) is not None:
            return refused(problem)
    qa = [p[1] for p in anchor_points]
    qt = [p[1] for p in test_points]
    if min(max(qa), max(qt)) <= max(min(qa), min(qt)):
        return refused(f"the {metric} ranges of {anchor} ({min(qa):.1f}-{max(qa):.1f}) and "
                       f"{test} ({min(qt):.1f}-{max(qt):.1f}) do not overlap")
    import bjontegaard

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a partial overlap is integrated over its part
        pct = float(bjontegaard.bd_rate(
            [p[0] for p in anchor_points], qa, [p[0] for p in test_points], qt,
            method=method, require_matching_points=False))
    if not math.isfinite(pct):
        return refused("the interpolated curves gave no finite BD-rate")
    return BdRate(metric, anchor, test, impairment, pct, None, tuple(anchor_points),
                  tuple(test_points))
