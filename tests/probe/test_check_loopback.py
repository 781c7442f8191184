"""End to end on real aiortc peers over loopback: the embedded room, probed as a viewer."""

from __future__ import annotations

import asyncio

import pytest

from probe.check import CheckOptions, run_check
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom

SMALL = PatternSpec(width=640, height=360, fps=30.0)


def assert_passes_but_for_small_picture(report, excused: frozenset[str] = frozenset()) -> None:
    """Every measured check passes but those ``excused``, and clarity may warn or fail: the score
    judges a picture on a 1080-row display, where these fast 360p runs look like 360p (the
    clarity tests and bench/bench_clarity.py cover the score itself)."""
    failing = [c for c in report.checks if c.status in ("warn", "fail")
               and c.name != "clarity_score" and c.name not in excused]
    assert not failing, failing
    assert report.clarity.effective_height == 360 and 1.0 <= report.clarity.score <= 5.0


@pytest.mark.integration
@pytest.mark.parametrize("codec", ["vp8", "h264"])
async def test_embedded_room_check_passes(codec: str, leak_check) -> None:
    report = await run_check(CheckOptions(duration_s=5, pattern=SMALL,
                                          encoding=VideoEncoding(codec=codec, bitrate_kbps=800)))
    assert report.target.protocol == "loopback"
    assert report.video.codec.lower() == codec
    assert (report.video.width, report.video.height) == (640, 360)
    assert report.video.frames > 100
    assert report.video.fps == pytest.approx(30.0, rel=0.10)
    assert report.latency.time_to_first_frame_ms is not None
    split = report.latency.time_to_first_frame_split_ms
    assert min(split.signaling_ms, split.connect_ms, split.media_ms) >= 0
    # Gathering (host candidates on loopback, no STUN server) is its own, non-zero part.
    assert 0 < split.gathering_ms < split.signaling_ms + split.gathering_ms
    assert split.signaling_ms + split.gathering_ms + split.connect_ms + split.media_ms == \
        pytest.approx(report.latency.time_to_first_frame_ms, abs=0.01)
    assert report.latency.clock == "same-host"
    assert 0 < report.latency.glass_to_glass_ms.p50 < 250
    # The room's sender reports tell its capture clock: no last hop to report on top.
    assert report.latency.last_hop_ms is None
    g2g_check = next(c for c in report.checks if c.name == "glass_to_glass_p95_ms")
    assert g2g_check.status == "pass" and g2g_check.value is not None
    assert all(row.latency_ms is not None for row in report.timeline)
    assert report.latency.stamps_read_fraction >= 0.99
    assert report.stutter.freeze_count == 0
    assert report.network.bitrate_kbps == pytest.approx(800 + 64, rel=0.5)
    assert report.audio is not None and report.audio.gap_count == 0
    assert report.audio.level_dbfs == pytest.approx(-20, abs=6)
    assert len(report.timeline) == 5
    assert_passes_but_for_small_picture(report)
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_two_viewers_at_once_on_a_served_room(leak_check) -> None:
    async with TestRoom(RoomConfig(pattern=SMALL)) as room:
        first, second = await asyncio.gather(
            run_check(CheckOptions(url=room.whep_url(), duration_s=4)),
            run_check(CheckOptions(url=room.whep_url(), duration_s=4)))
        assert room.session_count == 0  # both viewers deleted their WHEP resources
    for report in (first, second):
        assert report.target.protocol == "whep"
        assert report.video.fps == pytest.approx(30.0, rel=0.10)
        assert report.latency.stamps_read_fraction >= 0.99
        assert_passes_but_for_small_picture(report)
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_bearer_token_required_and_accepted() -> None:
    from probe.errors import SignalingError

    async with TestRoom(RoomConfig(pattern=SMALL, token="s3cret")) as room:
        with pytest.raises(SignalingError, match="--token"):
            await run_check(CheckOptions(url=room.whep_url(), duration_s=1, timeout_s=3))
        report = await run_check(CheckOptions(url=room.whep_url(), duration_s=2, token="s3cret"))
        assert report.video.frames > 0
