"""The sender-report clock: each instant mapped with the median offset of its nearest reports."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.sender_clock import REPORTS_PER_INSTANT, MediaClock, SenderReport


def brute_force_ms(reports: list[SenderReport], media_s: float) -> float:
    nearest = sorted(reports, key=lambda r: abs(r.media_s - media_s))[:REPORTS_PER_INSTANT]
    return media_s * 1000.0 + float(np.median([r.wallclock_ms - r.media_s * 1000.0
                                               for r in nearest]))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40))
def test_vectorised_mapping_equals_the_nearest_reports_median(seed: int, count: int) -> None:
    rng = np.random.default_rng(seed)
    # Distinct report times (ties would make "nearest" ambiguous), a step in the offset half-way.
    times = rng.choice(np.arange(0.0, 100.0, 0.37), size=count, replace=False)
    reports = [SenderReport(1.7e12 + t * 1000.0 + rng.normal(0, 3) + (40 if t > 50 else 0), t)
               for t in times]
    clock = MediaClock()
    for report in reports:
        clock.update(report)
    instants = rng.uniform(-5.0, 105.0, 50) + 0.001  # never half-way between two reports
    mapped = clock.wallclock_ms_many(instants)
    assert mapped is not None
    expected = [brute_force_ms(reports, t) for t in instants]
    assert np.allclose(mapped, expected)


def test_no_report_no_clock() -> None:
    assert MediaClock().wallclock_ms(1.0) is None
