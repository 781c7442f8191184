"""GStreamer 1.22's webrtcbin (Debian; an RSA DTLS certificate) publishes by WHIP into the room:
the DTLS handshake completes (aiortc alone offers only ECDSA suites: "no shared cipher"), and
the probe and Chromium watch the relayed stream at once and must agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.check import CheckOptions
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
from tests.support.loopback_only import loopback_only_env

PUBLISHER = Path(__file__).parents[2] / "support" / "gst" / "whip_publisher.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-gi and GStreamer
SIZE, FPS = (640, 360), 30
WATCH_S = 6.0


@pytest.mark.integration
async def test_gstreamer_whip_publisher_into_the_room_as_chromium_sees_it() -> None:
    async with room_process(RoomConfig(encoding=VideoEncoding(bitrate_kbps=1000))) as room:
        argv = [SYSTEM_PYTHON, str(PUBLISHER), f"{room.base_url}/whip/gst", "vp8",
                str(SIZE[0]), str(SIZE[1]), str(FPS), "120"]
        async with child(argv, ready=r"^answered 201", env=loopback_only_env()) as publisher:
            await publisher.wait_for(r"^connection connected")
            await until_publishing(room.base_url, "gst")
            whep = f"{room.base_url}/whep/gst"
            async with chromium_whep_viewer(whep) as browser:
                report, seen = await check_beside_chromium(
                    CheckOptions(url=whep, duration_s=WATCH_S), browser)
        assert "connection failed" not in publisher.output()
    assert (report.video.width, report.video.height) == SIZE
    assert_matches_chromium(report, seen)
    assert report.video.fps > 0.5 * FPS
    assert report.latency.clock == "rtcp" and 0 <= report.latency.last_hop_ms.p50 < 300
