"""One-line descriptions of a suite's limited and tracked figures, shared by every renderer."""

from __future__ import annotations

import statistics

from probe.suite.result import Limited, Tracked


def _num(value: float, unit: str = "") -> str:
    text = f"{value:.4g}"
    return f"{text} {unit}".strip()


def limited_text(item: Limited) -> str:
    """E.g. "412 ms: fail (limits: warn > 200, fail > 400 ms), median of 5 runs"."""
    bad = ">" if item.direction == "max" else "<"
    limits = f"limits: warn {bad} {_num(item.warn)}, fail {bad} {_num(item.fail, item.unit)}"
    if item.value is None:
        return f"not measured in any run ({limits})"
    return f"{_num(item.value, item.unit)}: {item.status} ({limits}), median of {item.runs} runs"


def tracked_text(item: Tracked) -> str:
    """E.g. "median 29.9 fps vs baseline 30.1 fps (-0.7 %), SAME, p=0.41 (5 vs 5 runs)"."""
    c = item.comparison
    if c is None:
        return f"median {_num(statistics.median(item.samples), item.unit)}, no baseline"
    change = c.relative_change
    pct = f" ({change:+.1%})" if change is not None else ""
    verdict = ("REGRESSION" if c.regression else
               f"{c.verdict} ({c.change})" if c.verdict == "DIFFERENT" else c.verdict)
    return (f"median {_num(c.current_median, item.unit)} vs baseline "
            f"{_num(c.baseline_median, item.unit)}{pct}, {verdict}, p={c.p_value:.3g} "
            f"(low {c.low_threshold:g}, high {c.high_threshold:.3g}; min effect "
            f"{_num(c.min_effect, item.unit)}; {len(item.samples)} vs {len(item.baseline)} runs)")
