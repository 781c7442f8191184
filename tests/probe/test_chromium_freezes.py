"""The probe and Chromium watch the same impaired room at once; both must see every outage.

The numeric agreement (within 1 freeze and 20 % of Chromium's totalFreezesDuration) is a floor
measured over repeats in bench/bench_chromium_freezes.py: single runs are too noisy on this
machine to be a pass/fail test.
"""

from __future__ import annotations

import pytest

from tests.probe.chromium_freezes import compare_freezes

PROFILES = {
    "outage=1s@3s,outage=2s@7s": 3.0,
    "loss=2%,outage=1s@3s,outage=1.5s@7s": 2.5,
}


@pytest.mark.integration
@pytest.mark.parametrize("profile", list(PROFILES))
async def test_probe_and_chromium_both_see_every_outage(profile: str) -> None:
    outage_total_s = PROFILES[profile]
    seen = await compare_freezes(profile)
    print(profile, seen)
    assert seen.chromium_frames_decoded > 100
    assert seen.chromium_count >= 2 and seen.probe_count >= 2
    for total_s in (seen.chromium_total_s, seen.probe_total_s):
        assert outage_total_s <= total_s <= outage_total_s + 1.5
