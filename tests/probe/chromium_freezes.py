"""Watch one impaired room with headless Chromium and with the probe at the same time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from probe.check import CheckOptions, run_check
from probe.impair_spec import parse_impair_spec
from probe.pattern import PatternSpec
from probe.room import RoomConfig, TestRoom
from tests.support.chromium import chromium

SPEC = PatternSpec(width=640, height=360, fps=30.0)
WATCH_S = 12.0


@dataclass(frozen=True)
class FreezeComparison:
    chromium_count: int
    chromium_total_s: float
    chromium_frames_decoded: int
    probe_count: int
    probe_total_s: float


async def compare_freezes(profile: str) -> FreezeComparison:
    """Chromium's getStats freezeCount/totalFreezesDuration next to the probe's delivery freezes."""
    impair = parse_impair_spec(profile)
    async with TestRoom(RoomConfig(pattern=SPEC, impair=impair)) as room, chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"http://localhost:{room.port}/view/pattern")
        await page.evaluate("window.joined")
        report = await asyncio.create_task(run_check(CheckOptions(url=room.whep_url(),
                                                                  duration_s=WATCH_S)))
        stats = await page.evaluate("window.inboundVideoStats()")
        await page.evaluate("window.leave()")
    ours = [f for f in report.stutter.freezes if f.kind == "delivery"]
    return FreezeComparison(stats["freezeCount"], stats["totalFreezesDuration"],
                            stats["framesDecoded"], len(ours), sum(f.duration_s for f in ours))
