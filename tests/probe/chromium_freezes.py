"""Watch one impaired room with headless Chromium and with the probe at the same time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from probe.check import CheckOptions, run_check
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec
from probe.room.server import RoomConfig, TestRoom
from tests.support.chromium import chromium

SPEC = PatternSpec(width=640, height=360, fps=30.0)
WATCH_S = 12.0
FIRST_FRAME_ALLOWANCE_S = 0.5  # the probe's watch starts at its first frame, a little after


@dataclass(frozen=True)
class FreezeComparison:
    chromium_count: int
    chromium_total_s: float
    chromium_frames_decoded: int
    probe_count: int
    probe_total_s: float
    chromium_pauses: int = 0
    probe_pauses: int = 0
    probe_freezes: tuple[tuple[float, float], ...] = field(default=())  # (start s, duration s)
    # The probe's first frame, s after its request: also its first frame on the schedule's
    # clock, to within its signaling. The room starts each viewer's impairment schedule when
    # that viewer's session is set up, or with a shared clock at Chromium's, and the probe asks
    # right after Chromium's answer.
    probe_first_frame_s: float | None = None
    # Chromium's side from 50 ms polls of getStats, s after its WHEP answer (its schedule's
    # start, about): its first decoded frame, and each freeze as (start s, duration s), the start
    # being when the count rose less the duration (to within a poll).
    chromium_first_frame_s: float | None = None
    chromium_freezes: tuple[tuple[float, float], ...] = field(default=())


def _room(profile: str, fps: float, shared_clock: bool) -> TestRoom:
    return TestRoom(RoomConfig(pattern=PatternSpec(width=SPEC.width, height=SPEC.height, fps=fps),
                               impair=parse_impair_spec(profile),
                               impair_shared_clock=shared_clock))


async def compare_freezes(profile: str, fps: float = SPEC.fps, watch_s: float = WATCH_S,
                          shared_clock: bool = False) -> FreezeComparison:
    """Chromium's getStats freezeCount/totalFreezesDuration next to the probe's delivery freezes.
    ``shared_clock``: both lose the same moments (the schedule starts at Chromium's session);
    else each viewer's schedule starts at its own session."""
    async with _room(profile, fps, shared_clock) as room, chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"http://localhost:{room.port}/view/pattern")
        await page.evaluate("window.joined")
        await page.evaluate("window.logFreezes()")
        report = await asyncio.create_task(run_check(CheckOptions(url=room.whep_url(),
                                                                  duration_s=watch_s)))
        stats = await page.evaluate("window.inboundVideoStats()")
        log = await page.evaluate("window.freezeLog")
        await page.evaluate("window.leave()")
    ours = [f for f in report.stutter.freezes if f.kind == "delivery"]
    return FreezeComparison(stats["freezeCount"], stats["totalFreezesDuration"],
                            stats["framesDecoded"], len(ours), sum(f.duration_s for f in ours),
                            stats.get("pauseCount", 0), report.stutter.pause_count,
                            tuple((f.start_s, f.duration_s) for f in ours),
                            _seconds(report.latency.time_to_first_frame_ms),
                            _seconds(log["firstFrameMs"]),
                            tuple((f["countedMs"] / 1000.0 - f["durationS"], f["durationS"])
                                  for f in log["freezes"]))


@dataclass(frozen=True)
class ChromiumPair:
    """Two Chromium viewers of one impaired room, the second joining as the probe does: the
    reference's agreement with itself."""

    first_count: int
    second_count: int


async def compare_chromium_pair(profile: str, fps: float = SPEC.fps, watch_s: float = WATCH_S,
                                shared_clock: bool = False) -> ChromiumPair:
    """Chromium's getStats freezeCount for two pages: one joins, then the other, as in
    ``compare_freezes`` the probe joins after Chromium; both watch for ``watch_s`` and more."""
    async with _room(profile, fps, shared_clock) as room, chromium() as browser:
        pages = []
        for _ in range(2):
            page = await browser.new_page()
            await page.goto(f"http://localhost:{room.port}/view/pattern")
            await page.evaluate("window.joined")
            pages.append(page)
        await asyncio.sleep(watch_s + FIRST_FRAME_ALLOWANCE_S)
        counts = [(await page.evaluate("window.inboundVideoStats()"))["freezeCount"]
                  for page in pages]
        for page in pages:
            await page.evaluate("window.leave()")
    return ChromiumPair(*counts)


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000.0
