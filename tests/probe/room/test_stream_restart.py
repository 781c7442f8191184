"""A stream plays again after its last viewer left (issue 15: VP8 rooms served one session)."""

from __future__ import annotations

import logging

import pytest

from probe.check import CheckOptions, run_check
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom

SMALL = PatternSpec(width=320, height=180, fps=30.0)


@pytest.mark.integration
@pytest.mark.parametrize("codec", ["vp8", "h264"])
async def test_second_viewer_after_the_first_left_gets_frames(codec: str, leak_check) -> None:
    config = RoomConfig(pattern=SMALL, encoding=VideoEncoding(codec=codec))  # type: ignore[arg-type]
    async with TestRoom(config) as room:
        for _ in range(2):
            report = await run_check(CheckOptions(url=room.whep_url(), duration_s=1.5,
                                                  timeout_s=8))
            assert report.video.frames > 20
            assert room.session_count == 0
            assert room.stream_count == 0  # the idle stream was dropped, encoder and all
    await leak_check.assert_clean()


@pytest.mark.integration
async def test_a_failing_media_loop_ends_the_stream_and_is_logged(caplog, leak_check) -> None:
    """An exception in the pattern's video loop stops its audio loop too and is logged."""
    async with TestRoom(RoomConfig(pattern=SMALL)) as room:
        stream = room._stream("broken")
        track = stream.subscribe("video")
        pipeline = stream._video_pipeline

        def explode(frame: object) -> list[object]:
            raise RuntimeError("encoder on fire")

        pipeline.encode = explode  # type: ignore[method-assign]
        with caplog.at_level(logging.ERROR, logger="probe.room.stream"):
            pattern = stream._pattern
            assert pattern is not None and pattern._task is not None
            with pytest.raises(RuntimeError):
                await pattern._task
        assert "encoder on fire" in caplog.text
        assert track.readyState == "ended"  # viewers see the stream end
        assert stream._pattern is None
    await leak_check.assert_clean()
