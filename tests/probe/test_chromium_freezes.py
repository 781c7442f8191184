"""The probe's freezes against Chromium's own: both watch the same impaired room at once.

Chromium (Debian's, headless) plays the stream in a <video> element and reports getStats()
inbound-rtp ``freezeCount`` / ``totalFreezesDuration`` (W3C webrtc-stats); the probe watches the
same room with the same impairment profile (each viewer gets its own seeded link; outages fall
at the same times after each viewer joins). Agreement: within 1 freeze and 20 % of the total.
"""

from __future__ import annotations

import asyncio

import pytest

from probe.check import CheckOptions, run_check
from probe.impair_spec import parse_impair_spec
from probe.pattern import PatternSpec
from probe.room import RoomConfig, TestRoom
from tests.support.chromium import chromium

SPEC = PatternSpec(width=640, height=360, fps=30.0)
WATCH_S = 12.0
PROFILES = [
    "outage=1s@3s,outage=2s@7s",
    "loss=2%,outage=1s@3s,outage=1.5s@7s",
    "delay=60ms,jitter=15ms,outage=0.7s@3s,outage=2s@7s",
]


@pytest.mark.integration
@pytest.mark.parametrize("profile", PROFILES)
async def test_probe_agrees_with_chromium_on_freezes(profile: str) -> None:
    impair = parse_impair_spec(profile)
    async with TestRoom(RoomConfig(pattern=SPEC, impair=impair)) as room, chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"http://localhost:{room.port}/view/pattern")
        await page.evaluate("window.joined")
        probe = asyncio.create_task(run_check(CheckOptions(url=room.whep_url(),
                                                           duration_s=WATCH_S)))
        report = await probe
        stats = await page.evaluate("window.inboundVideoStats()")
        await page.evaluate("window.leave()")
    chrome_count, chrome_total_s = stats["freezeCount"], stats["totalFreezesDuration"]
    ours = [f for f in report.stutter.freezes if f.kind == "delivery"]
    ours_total_s = sum(f.duration_s for f in ours)
    print(f"{profile}: chromium {chrome_count} freezes {chrome_total_s:.3f} s "
          f"(decoded {stats['framesDecoded']}), probe {len(ours)} freezes {ours_total_s:.3f} s")
    assert stats["framesDecoded"] > 100
    assert abs(len(ours) - chrome_count) <= 1
    assert ours_total_s == pytest.approx(chrome_total_s, rel=0.20)
