"""Janus (Debian) with Meetecho's janus-whep-server (npm) in front: its VideoRoom endpoint speaks
WHEP in server-offer mode (406 + Janus's offer, answered by PATCH). The probe's pattern is
published into the room, so the stamps give true glass-to-glass through Janus on this host's
clock, and Janus's own sender reports give the last hop; Chromium watches the same endpoint."""

from __future__ import annotations

import pytest

from probe.check import CheckOptions, run_check
from probe.errors import SignalingError
from probe.media.encoding import VideoEncoding
from probe.pattern.publisher import PatternPublisher
from probe.pattern.spec import PatternSpec
from probe.signaling import open_publisher_signaling
from tests.conftest import free_port
from tests.probe.interop.conftest import assert_matches_chromium, check_beside_chromium
from tests.probe.interop.test_werift_whep import ffmpeg_rtp
from tests.support.child_process import child
from tests.support.chromium_whep import chromium_whep_viewer
from tests.support.janus_server import STREAMING_MOUNTPOINT, JanusConfig, janus_server
from tests.support.node_peers import janus_whep_front

SPEC = PatternSpec(width=640, height=360, fps=30.0)
ENCODING = VideoEncoding(codec="vp8", bitrate_kbps=800)
WATCH_S = 6.0
ROOM = 1234


@pytest.mark.integration
async def test_janus_whep_front_server_offer_mode_as_chromium_sees_it() -> None:
    port = free_port()
    async with janus_server(JanusConfig(websockets=True)) as janus:
        signaling = open_publisher_signaling(janus.room_url(ROOM))
        async with PatternPublisher(signaling, SPEC, ENCODING).running(timeout_s=10), \
                janus_whep_front(port, janus.ws_url, ROOM, signaling.feed):
            whep = f"http://127.0.0.1:{port}/whep/endpoint/room"
            async with chromium_whep_viewer(whep) as browser:
                assert browser.joined["mode"] == "server-offer"
                report, seen = await check_beside_chromium(
                    CheckOptions(url=whep, duration_s=WATCH_S), browser)
    assert any("server-offer mode" in note for note in report.notes), report.notes
    assert (report.video.width, report.video.height) == (SPEC.width, SPEC.height)
    assert_matches_chromium(report, seen)
    assert report.video.fps > 0.5 * SPEC.fps
    # Our stamps, read on this host: glass-to-glass through Janus; Janus's reports: the hop.
    assert report.latency.clock == "same-host" and report.latency.stamps_read_fraction >= 0.9
    assert 0 < report.latency.glass_to_glass_ms.p50 < 400
    assert 0 <= report.latency.last_hop_ms.p50 < report.latency.glass_to_glass_ms.p50


@pytest.mark.integration
async def test_the_streaming_endpoint_answering_with_an_offer_is_a_one_line_error(clip) -> None:
    """janus-whep-server's Streaming endpoint, with Janus 1.1.2, sends 201 with Janus's own
    offer where the answer belongs (its bug): the probe names it in one line, and leaves."""
    port, video_port, audio_port = free_port(), free_port(), free_port()
    config = JanusConfig(websockets=True, streaming_rtp_ports=(video_port, audio_port))
    async with janus_server(config) as janus, \
            child(ffmpeg_rtp(clip, video_port, audio_port)), \
            janus_whep_front(port, janus.ws_url, ROOM, None, mountpoint=STREAMING_MOUNTPOINT):
        whep = f"http://127.0.0.1:{port}/whep/endpoint/stream"
        with pytest.raises(SignalingError) as caught:
            await run_check(CheckOptions(url=whep, duration_s=2, timeout_s=10))
    message = str(caught.value)
    assert "answered with an SDP offer" in message and whep in message and "\n" not in message
