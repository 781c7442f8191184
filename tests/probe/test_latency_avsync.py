"""A/V sync end to end: the embedded room shifts its audio by a known offset, the probe measures
it through real aiortc peers (encode, RTP, RTCP sender reports, decode)."""

from __future__ import annotations

import pytest

from probe.check import CheckOptions, run_check
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec

SYNC_TOLERANCE_MS = 10.0  # latency issue: injected offsets measured within +-10 ms
# At least three flashes (one every 3 s): a full suite's run twice got no paired flash at all
# in 6.5 s (av_sync None), never reproduced alone (a missed flash or sender report?).
DURATION_S = 9.5


@pytest.mark.integration
@pytest.mark.parametrize("offset_ms", [-200.0, -80.0, 0.0, 60.0, 150.0])
async def test_injected_av_offset_is_measured(offset_ms: float) -> None:
    report = await run_check(CheckOptions(
        duration_s=DURATION_S, pattern=PatternSpec(width=640, height=360, av_offset_ms=offset_ms)))
    assert report.latency.av_sync_ms == pytest.approx(offset_ms, abs=SYNC_TOLERANCE_MS), \
        report.notes


@pytest.mark.integration
async def test_a_delayed_link_delays_both_streams_and_leaves_sync_alone() -> None:
    report = await run_check(CheckOptions(
        duration_s=DURATION_S, pattern=PatternSpec(width=640, height=360, av_offset_ms=-80.0),
        impair=parse_impair_spec("delay=200ms,jitter=20ms")))
    assert report.latency.av_sync_ms == pytest.approx(-80.0, abs=SYNC_TOLERANCE_MS), report.notes
