"""werift (npm; a TypeScript WebRTC stack) as a WHEP server, forwarding FFmpeg's plain RTP of a
natural clip: the probe and Chromium watch it at once and must agree."""

from __future__ import annotations

import pytest

from probe.check import CheckOptions
from tests.conftest import free_port
from tests.probe.interop.conftest import assert_matches_chromium, check_beside_chromium
from tests.support.child_process import child
from tests.support.chromium_whep import chromium_whep_viewer
from tests.support.clip import CLIP_FPS, CLIP_SIZE, ffmpeg_exe
from tests.support.node_peers import werift_whep_server

WATCH_S = 6.0


def ffmpeg_rtp(clip, video_port: int, audio_port: int) -> list[str]:
    """FFmpeg sending ``clip`` as plain RTP (H.264 pt 96, Opus pt 111), looped, real time."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
            "-stream_loop", "-1", "-i", str(clip),
            "-map", "0:v", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-payload_type", "96",
            "-ssrc", "3333", "-f", "rtp", f"rtp://127.0.0.1:{video_port}?pkt_size=1200",
            "-map", "0:a", "-c:a", "copy", "-payload_type", "111", "-ssrc", "4444",
            "-f", "rtp", f"rtp://127.0.0.1:{audio_port}?pkt_size=1200"]


@pytest.mark.integration
async def test_werift_whep_server_as_chromium_sees_it(clip) -> None:
    port, video_port, audio_port = free_port(), free_port(), free_port()
    whep = f"http://127.0.0.1:{port}/whep/clip"
    async with werift_whep_server(port, "h264", video_port, audio_port) as server, \
            child(ffmpeg_rtp(clip, video_port, audio_port)):
        await server.wait_for(r"^rtp video")
        async with chromium_whep_viewer(whep) as browser:
            report, seen = await check_beside_chromium(
                CheckOptions(url=whep, duration_s=WATCH_S), browser)
    assert report.video.codec.lower() == "h264"
    assert (report.video.width, report.video.height) == CLIP_SIZE
    assert_matches_chromium(report, seen)
    assert report.video.fps > 0.5 * CLIP_FPS
    # werift writes its own sender reports: the last hop from it, never glass-to-glass.
    assert report.latency.clock == "rtcp" and report.latency.glass_to_glass_ms is None
    # werift's reports put the hop at hundreds of ms; Chromium's estimatedPlayoutTimestamp,
    # mapped through the same reports, read 340-950 ms beside it (measured): a stated figure.
    assert 0 <= report.latency.last_hop_ms.p50 < 2000
    assert report.audio is not None
