"""FFmpeg 9's WHIP muxer (the binary in the imageio-ffmpeg wheel) publishes a natural clip into
``serve``; the probe and Chromium watch it at once and must agree; the publish outlives FFmpeg's
silence on consent checks; a check that spans the switch from pattern to publisher says so."""

from __future__ import annotations

import asyncio

import pytest

from probe.check import CheckOptions, run_check
from probe.media.encoding import VideoEncoding
from probe.room.process import room_process
from probe.room.server import RoomConfig
from tests.probe.interop.conftest import (
    assert_matches_chromium,
    check_beside_chromium,
    until_publishing,
)
from tests.support.child_process import child
from tests.support.chromium_whep import chromium_whep_viewer
from tests.support.clip import CLIP_FPS, CLIP_SIZE, ffmpeg_exe

WATCH_S = 6.0


def ffmpeg_whip(clip, url: str) -> list[str]:
    """FFmpeg publishing ``clip`` to ``url`` by WHIP, looped, in real time, without re-encoding."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
            "-stream_loop", "-1", "-i", str(clip), "-c", "copy", "-f", "whip", url]


@pytest.mark.integration
async def test_ffmpeg_publish_into_the_room_as_chromium_sees_it(clip) -> None:
    config = RoomConfig(encoding=VideoEncoding(bitrate_kbps=1200))
    async with room_process(config) as room, \
            child(ffmpeg_whip(clip, f"{room.base_url}/whip/show")):
        await until_publishing(room.base_url, "show")
        whep = f"{room.base_url}/whep/show"
        async with chromium_whep_viewer(whep) as browser:
            report, seen = await check_beside_chromium(
                CheckOptions(url=whep, duration_s=WATCH_S), browser)
        await until_publishing(room.base_url, "show")  # still up
    assert (report.video.width, report.video.height) == CLIP_SIZE
    assert_matches_chromium(report, seen)
    assert report.video.fps > 0.5 * CLIP_FPS  # the clip flows (a loaded machine slows both)
    assert report.latency.stamps_read_fraction == 0  # a natural clip: no stamps
    # The room relays: its sender reports give the hop from it, stated as such.
    assert report.latency.clock == "rtcp" and report.latency.glass_to_glass_ms is None
    assert 0 < report.latency.last_hop_ms.p50 < 300
    g2g = next(c for c in report.checks if c.name == "glass_to_glass_p95_ms")
    assert g2g.status == "not_measured"
    assert all(row.latency_ms is not None for row in report.timeline[1:])


@pytest.mark.integration
async def test_a_check_that_spans_the_switch_to_the_publisher_says_so(clip) -> None:
    async with room_process(RoomConfig(encoding=VideoEncoding(bitrate_kbps=800))) as room:
        whep = f"{room.base_url}/whep/show"
        watching = asyncio.Event()
        check = asyncio.create_task(run_check(CheckOptions(url=whep, duration_s=8),
                                              on_progress=lambda progress: watching.set()))
        await watching.wait()  # frames of the pattern are arriving
        async with child(ffmpeg_whip(clip, f"{room.base_url}/whip/show")):
            await until_publishing(room.base_url, "show")
            report = await check
    notes = " ".join(report.notes)
    assert "source changed" in notes and "720x528" in notes, report.notes
