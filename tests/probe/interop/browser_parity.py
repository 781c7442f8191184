"""The probe beside a browser, against Google libwebrtc (``@roamhq/wrtc``) as the sender.

``watch_beside_chromium``: libwebrtc serves WHEP; headless Chromium joins, then the probe, and
both watch the same seconds: received bitrate, resolution, fps and freezes of each, with what
the server says it sent each of them (its estimator's figures). ``publish_rates``: libwebrtc
publishes into the room by WHIP, then into a Janus VideoRoom: what it sends each (a sender
ramps only as far as its receiver's congestion feedback lets it). Shared by the integration
tests and ``bench/bench_browser_parity.py``.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from metrics.report import Report
from probe.check import CheckOptions
from probe.room.process import room_process
from probe.room.server import RoomConfig
from tests.conftest import free_port
from tests.probe.interop.conftest import check_beside_chromium, until_publishing
from tests.support.chromium_whep import VideoRates, chromium_whep_viewer
from tests.support.janus_server import JanusConfig, janus_server
from tests.support.node_peers import send_rates, wrtc_whep_server, wrtc_whip_publisher

JANUS_ROOM = 1234
# A browser's publish into Janus is capped by the room's REMB; set it far above what libwebrtc
# sends this clip so the cap is not what is compared.
JANUS_ROOM_BITRATE_BPS = 10_000_000


@dataclass(frozen=True)
class ViewParity:
    """One run: the probe's report and Chromium's figures over the same seconds, and the
    server's estimate of what it may send each (bps, its last reading; None when it printed
    none)."""

    report: Report
    chromium: VideoRates
    chromium_estimate_bps: float | None
    probe_estimate_bps: float | None

    @property
    def bitrate_ratio(self) -> float:
        """The probe's received bitrate over Chromium's (video + audio payload)."""
        return (self.report.network.bitrate_kbps or 0.0) / self.chromium.kbps

    @property
    def fps_ratio(self) -> float:
        return self.report.video.fps / self.chromium.fps

    @property
    def same_size(self) -> bool:
        return (self.report.video.width, self.report.video.height) == \
            (self.chromium.width, self.chromium.height)


async def watch_beside_chromium(y4m: Path, wav: Path, watch_s: float) -> ViewParity:
    """libwebrtc serves the clip by WHEP; Chromium and the probe watch it at the same time."""
    port = free_port()
    whep = f"http://127.0.0.1:{port}/whep/clip"
    async with wrtc_whep_server(port, y4m, wav) as server:
        async with chromium_whep_viewer(whep) as browser:
            report, seen = await check_beside_chromium(
                CheckOptions(url=whep, duration_s=watch_s), browser)
        # Chromium joined first: the server's first session is the browser's, the second ours.
        sessions = [m.group(1) for line in list(server.lines)
                    if (m := re.match(r"^session (\S+)", line))]
        estimates = {rate.label: rate.available_bps for rate in send_rates(server)}
    if len(sessions) != 2:
        raise AssertionError(f"expected two WHEP sessions:\n{server.output()}")
    return ViewParity(report, seen, *(estimates.get(session) for session in sessions))


@dataclass(frozen=True)
class PublishRates:
    """What libwebrtc sent (video kbps, median of its last seconds) into each receiver."""

    room_kbps: float
    janus_kbps: float

    @property
    def ratio(self) -> float:
        return self.room_kbps / self.janus_kbps


async def publish_rates(y4m: Path, wav: Path, seconds: float) -> PublishRates:
    """libwebrtc publishes the clip for ``seconds`` into the room (WHIP), then into Janus."""
    async with room_process(RoomConfig()) as room:
        url = f"{room.base_url}/whip/clip"
        room_kbps = await _send_rate(url, y4m, wav, seconds,
                                     until_publishing(room.base_url, "clip"))
    async with janus_server(JanusConfig(rooms=(JANUS_ROOM,),
                                        room_bitrate_bps=JANUS_ROOM_BITRATE_BPS)) as janus:
        url = f"janus+{janus.api_url}?room={JANUS_ROOM}"
        janus_kbps = await _send_rate(url, y4m, wav, seconds, asyncio.sleep(0))
    return PublishRates(room_kbps, janus_kbps)


async def _send_rate(url: str, y4m: Path, wav: Path, seconds: float, accepted: object) -> float:
    """Publish for ``seconds``; the median of the per-second video send rates of the last half
    (the estimator's ramp is in the first)."""
    async with wrtc_whip_publisher(url, y4m, wav, seconds + 10) as publisher:
        await accepted  # type: ignore[misc]
        await asyncio.sleep(seconds)
        rates = [rate.kbps for rate in send_rates(publisher)]
    if len(rates) < 4:
        raise AssertionError(f"libwebrtc printed {len(rates)} send rates:\n{publisher.output()}")
    return statistics.median(rates[len(rates) // 2:])
