"""A real browser publishes, the probe watches: no media code of ours on the sending side.

Headless Debian Chromium's fake camera and microphone play the stamped pattern from files
(``fixtures/make_pattern_y4m.py``); Chromium encodes it (libvpx VP8) and publishes into a real Janus
VideoRoom (a test page's plain JavaScript speaks Janus's HTTP API) and, by WHIP, into the
built-in room. The
probe views and scores what arrives. The file's stamps carry the time it was rendered, not now, so
they are not a clock (stamps and frame counters still read); glass-to-glass comes from the RTCP
sender reports the server sends (``clock: "rtcp"``).
Every ICE candidate on both sides is checked: loopback only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.make_pattern_y4m import write_pattern_wav, write_pattern_y4m
from probe.check import CheckOptions, run_check
from probe.loopback_ice import is_loopback_host
from probe.pattern import PatternSpec
from probe.room import RoomConfig
from probe.room_process import room_process
from tests.probe.test_check_loopback import assert_passes_but_for_small_picture
from tests.support.chromium import chromium, page_server, peer_stats
from tests.support.janus_server import JanusConfig, janus_server

SPEC = PatternSpec(width=640, height=360, fps=30.0)
FILE_S = 6.0
WATCH_S = 5.0
TIMEOUT_S = 8.0
# Chromium's VP8 needs this much for the detailed pattern at 640x360, from the start: starved
# (Janus's default 1.3 Mbps target, or the ~300 kbps start of its estimate) it drops frames after
# each keyframe, a ~200 ms stall when a viewer joins. The built-in room (aiortc) gives Chromium no
# usable congestion feedback at all (REMB near 100 kbps, no transport-cc): 2-7 fps without a floor.
MAX_BITRATE_BPS = 4_000_000
FLOOR_BPS = 2_000_000
SIZE = {"width": SPEC.width, "height": SPEC.height, "fps": SPEC.fps,
        "maxBitrate": MAX_BITRATE_BPS, "minBitrate": FLOOR_BPS}


@pytest.fixture(scope="module")
def fake_devices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The pattern as a Y4M camera and a WAV microphone, flash-free (see the fixture script)."""
    folder = tmp_path_factory.mktemp("fake-devices")
    camera, microphone = folder / "pattern.y4m", folder / "pattern.wav"
    write_pattern_y4m(camera, SPEC, FILE_S, flash=False)
    write_pattern_wav(microphone, SPEC, FILE_S, flash=False)
    return camera, microphone


def assert_scored_browser_stream(report, protocol: str) -> None:
    assert report.target.protocol == protocol
    assert_passes_but_for_small_picture(report)
    assert (report.video.width, report.video.height) == (SPEC.width, SPEC.height)
    assert report.video.fps == pytest.approx(SPEC.fps, rel=0.15)
    assert report.video.frames >= 0.8 * SPEC.fps * WATCH_S
    assert report.clarity.sharpness is not None
    assert report.stutter.score is not None and report.stutter.freeze_count == 0
    # Stamps read (the code survives Chromium's encoder), but not in step with our clock: the
    # latency comes from the sender reports the server sends (its own clock, on this host).
    assert report.latency.stamps_read_fraction >= 0.9
    assert report.latency.clock == "rtcp"
    assert 0 < report.latency.glass_to_glass_ms.p50 < 500
    assert report.audio is not None


async def assert_loopback_only(page) -> None:
    """Every ICE candidate, Chromium's and the server's, is a loopback address."""
    stats = await peer_stats(page)
    for kind in ("local-candidate", "remote-candidate"):
        addresses = {c["address"] for c in stats[kind]}
        assert addresses and all(is_loopback_host(a) for a in addresses), (kind, addresses)


@pytest.mark.integration
async def test_probe_scores_chromium_publishing_into_janus(fake_devices) -> None:
    camera, microphone = fake_devices
    async with janus_server(JanusConfig(room_bitrate_bps=MAX_BITRATE_BPS)) as janus, \
            page_server() as pages, \
            chromium(camera=camera, microphone=microphone) as browser:
        page = await browser.new_page()
        await page.goto(f"{pages}/publish.html")
        feed = await page.evaluate("([api, room, size]) => publishJanus(api, room, size)",
                                   [janus.api_url, 1234, SIZE])
        report = await run_check(CheckOptions(url=janus.room_url(1234, feed), duration_s=WATCH_S,
                                              timeout_s=TIMEOUT_S))
        await assert_loopback_only(page)
        await page.evaluate("stopPublishing()")
        assert await janus.sessions() == []
    assert_scored_browser_stream(report, "janus")


@pytest.mark.integration
async def test_probe_scores_chromium_publishing_by_whip(fake_devices) -> None:
    camera, microphone = fake_devices
    # The room in its own process, as `streamprobe serve` runs: it decodes and re-encodes what
    # Chromium sends, which in the probe's process would take the probe's CPU.
    async with room_process(RoomConfig(pattern=SPEC)) as room_url, page_server() as pages, \
            chromium(camera=camera, microphone=microphone) as browser:
        page = await browser.new_page()
        await page.goto(f"{pages}/publish.html")
        await page.evaluate("([url, size]) => publishWhip(url, size)",
                            [f"{room_url}/whip/browser", SIZE])
        report = await run_check(CheckOptions(url=f"{room_url}/whep/browser", duration_s=WATCH_S,
                                              timeout_s=TIMEOUT_S))
        await assert_loopback_only(page)
        await page.evaluate("stopPublishing()")
    assert_scored_browser_stream(report, "whep")
