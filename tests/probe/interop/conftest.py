"""What the independent-peer tests share: the natural clip, the room's publishing state, and the
probe's report compared with Chromium's figures for the same stream."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from metrics.report import Report
from probe.check import CheckOptions, run_check
from probe.viewer.peer import Progress
from tests.support.chromium_whep import ChromiumViewer, VideoRates, VideoSample, rates
from tests.support.clip import make_clip

PUBLISH_TIMEOUT_S = 20.0
# Probe and browser watch the same stream at once: their frame rates agree within this (either
# may skip a frame on a busy machine), their received bitrates within the second.
FPS_AGREEMENT = 0.15
BITRATE_AGREEMENT = 0.25
PROGRESS_STEP_S = 0.3  # the watch calls on_progress every 0.25 s (probe.viewer.peer)


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip"))


async def until_publishing(base_url: str, stream: str, publishing: bool = True,
                           timeout_s: float = PUBLISH_TIMEOUT_S) -> None:
    """Until the room's /health says ``stream`` has (or has no) publisher."""
    async with asyncio.timeout(timeout_s), aiohttp.ClientSession() as http:
        while True:
            async with http.get(f"{base_url}/health") as response:
                health = await response.json()
            if health["streams"].get(stream, {}).get("publishing", False) == publishing:
                return
            await asyncio.sleep(0.2)


def assert_matches_chromium(report: Report, browser: VideoRates, fps: float | None = None) -> None:
    """Frames, fps, bitrate and freezes of the probe's report against Chromium's getStats."""
    assert (report.video.width, report.video.height) == (browser.width, browser.height)
    assert report.video.frames >= 0.8 * (fps or browser.fps) * report.duration_s
    assert report.video.fps == pytest.approx(browser.fps, rel=FPS_AGREEMENT)
    if fps is not None:
        assert report.video.fps == pytest.approx(fps, rel=FPS_AGREEMENT)
    assert report.network.bitrate_kbps == pytest.approx(browser.kbps, rel=BITRATE_AGREEMENT)
    assert abs(report.stutter.freeze_count - browser.freezes) <= 1, (report.stutter.freezes,
                                                                     browser)


async def check_beside_chromium(options: CheckOptions,
                                browser: ChromiumViewer) -> tuple[Report, VideoRates]:
    """Run the check while Chromium watches; Chromium's figures cover the same seconds (the
    probe's progress calls: its first frames, then the end of its watch), so a busy machine's
    stalls fall in both windows."""
    samples: list[asyncio.Task[VideoSample]] = []

    def on_progress(progress: Progress) -> None:
        at_end = progress.elapsed_s >= progress.duration_s - PROGRESS_STEP_S
        if not samples or (at_end and len(samples) == 1):
            samples.append(asyncio.ensure_future(browser.sample()))

    report = await run_check(options, on_progress=on_progress)
    assert len(samples) == 2, "the probe's progress never reached the end of its watch"
    return report, rates(await samples[0], await samples[1])
