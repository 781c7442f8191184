"""Chromium watching a WHEP URL beside the probe: the browser's own figures for the same stream.

``chromium_whep_viewer(url)`` opens ``pages/whep_view.html`` in Debian's Chromium (Playwright,
loopback shim) and joins ``url`` as any WHEP viewer (201 answer, or 406 server-offer mode);
``ChromiumViewer.sample()`` reads its inbound video statistics (W3C webrtc-stats:
``framesReceived``, ``framesDecoded``, ``bytesReceived``, ``freezeCount``,
``totalFreezesDuration``, frame size), and ``rates(first, last)`` turns two samples into fps,
kbps and freezes over the time between them. The frame rate compared with the probe's is that of
frames received (what the server sent): on a busy machine Chromium's decoder may fall behind
what arrives, and the probe's own shortfalls are noted in its report.
The page is not served by the WHEP server, so cross-origin checks are off in this test browser
(``--disable-web-security``): the servers under test send no CORS headers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tests.support.chromium import chromium, page_server, peer_stats

FIRST_FRAME_TIMEOUT_MS = 20000
SAMPLE_TRIES = 5


@dataclass(frozen=True)
class VideoSample:
    """One reading of Chromium's inbound video stats (timestamp in ms)."""

    timestamp_ms: float
    frames_received: int
    frames_decoded: int
    bytes_received: int  # video + audio
    freeze_count: int
    freezes_s: float
    width: int | None
    height: int | None


@dataclass(frozen=True)
class VideoRates:
    """What Chromium received between two samples."""

    seconds: float
    fps: float  # frames received per second
    decoded_fps: float
    kbps: float  # video + audio payload
    freezes: int
    freezes_s: float
    width: int | None
    height: int | None


def rates(first: VideoSample, last: VideoSample) -> VideoRates:
    seconds = (last.timestamp_ms - first.timestamp_ms) / 1000.0
    return VideoRates(seconds=seconds,
                      fps=(last.frames_received - first.frames_received) / seconds,
                      decoded_fps=(last.frames_decoded - first.frames_decoded) / seconds,
                      kbps=(last.bytes_received - first.bytes_received) * 8 / seconds / 1000.0,
                      freezes=last.freeze_count - first.freeze_count,
                      freezes_s=last.freezes_s - first.freezes_s,
                      width=last.width, height=last.height)


class ChromiumViewer:
    def __init__(self, page: Any, joined: dict[str, Any]) -> None:
        self.page = page
        self.joined = joined  # {status, mode}

    async def sample(self) -> VideoSample:
        inbound: list[dict[str, Any]] = []
        for _ in range(SAMPLE_TRIES):  # a report taken mid-update may lack the video entry
            inbound = (await peer_stats(self.page)).get("inbound-rtp", [])
            if any(s.get("kind") == "video" for s in inbound):
                break
            await asyncio.sleep(0.1)
        video = next(s for s in inbound if s.get("kind") == "video")
        return VideoSample(timestamp_ms=video["timestamp"],
                           frames_received=video["framesReceived"],
                           frames_decoded=video.get("framesDecoded", 0),
                           # Payload bytes of video and audio, as the probe's bitrate counts them.
                           bytes_received=sum(s.get("bytesReceived", 0) for s in inbound),
                           freeze_count=video.get("freezeCount", 0),
                           freezes_s=video.get("totalFreezesDuration", 0.0),
                           width=video.get("frameWidth"), height=video.get("frameHeight"))


@contextlib.asynccontextmanager
async def chromium_whep_viewer(url: str) -> AsyncIterator[ChromiumViewer]:
    """Chromium joined to ``url`` and showing frames; leaves (DELETE) and closes on exit."""
    async with page_server() as pages, chromium(extra_flags=("--disable-web-security",)) as browser:
        page = await browser.new_page()
        await page.goto(f"{pages}/whep_view.html")
        joined = await page.evaluate("(url) => watchWhep(url)", url)
        await page.wait_for_function(
            "async () => { const s = [...(await pc.getStats()).values()].find("
            "r => r.type === 'inbound-rtp' && r.kind === 'video'); return s && s.framesDecoded > 0 }",
            timeout=FIRST_FRAME_TIMEOUT_MS, polling=200)
        try:
            yield ChromiumViewer(page, joined)
        finally:
            with contextlib.suppress(Exception):
                await page.evaluate("window.leave()")
