"""Thumbnails: small real JPEGs, bounded in number whatever the run's length."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import Target
from metrics.thumbnails import (
    LOW_CLARITY_MOMENTS,
    MAX_FREEZE_MOMENTS,
    WIDTH_PX,
    ThumbnailKeeper,
    encode_thumbnail,
)


def picture(level: int, height: int = 720, width: int = 1280) -> np.ndarray:
    y = np.full((height, width), level, np.uint8)
    y[: height // 2, : width // 2] = 255 - level  # a corner, so it is not flat
    return y


def decode(jpeg: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(jpeg), np.uint8), cv2.IMREAD_GRAYSCALE)


def test_thumbnail_is_a_small_jpeg_of_the_picture() -> None:
    y = picture(40)
    jpeg = encode_thumbnail(y)
    small = decode(jpeg)
    assert small.shape == (90, WIDTH_PX)
    assert len(base64.b64decode(jpeg)) < 6000
    assert abs(int(small[10, 10]) - 215) < 8 and abs(int(small[80, 150]) - 40) < 8


def test_freezes_and_low_clarity_moments_are_bounded_for_any_length() -> None:
    keeper = ThumbnailKeeper()
    for i in range(MAX_FREEZE_MOMENTS + 5):
        keeper.freeze([("before", i, picture(10)), ("after", i + 0.5, picture(200))])
    scores = {}
    for second in range(3600):  # an hour, one clarity score a second
        score = 4.0 - (0.5 if second % 600 == 300 else 0.0) - second * 1e-5
        scores[second] = score
        keeper.clarity(float(second), picture(second % 250), score)
    thumbs = keeper.thumbnails()
    freezes = [t for t in thumbs if t.moment == "freeze"]
    assert len(freezes) == 2 * MAX_FREEZE_MOMENTS and keeper.freezes_without_thumbnails == 5
    lowest = [t for t in thumbs if t.moment == "low_clarity"]
    assert len(lowest) == LOW_CLARITY_MOMENTS
    # the dips at 300 s + k·600 s, the latest (lowest) ones, in time order
    assert [t.t_s for t in lowest] == [1500.0, 2100.0, 2700.0, 3300.0]
    assert all(t.clarity == scores[int(t.t_s)] for t in lowest)


def test_an_analysed_run_keeps_the_pictures_either_side_of_each_freeze() -> None:
    # 30 fps with two 0.6 s gaps: the frame left on screen and the first one after each.
    times = [i / 30 for i in range(60)] + [2.6 + i / 30 for i in range(60)]
    times += [times[-1] + 0.6 + i / 30 for i in range(30)]
    analyzer = StreamAnalyzer()
    for index, t_s in enumerate(times):
        analyzer.video_frame(t_s, picture(index % 250, 180, 320))
    report = analyzer.report(RunFacts(target=Target(url="x.y4m", protocol="file"), clock="none"),
                             limits={})
    freezes = report.stutter.freezes
    assert len(freezes) == 2
    pictures = [t for t in report.thumbnails if t.moment == "freeze"]
    assert [(t.moment_index, t.role) for t in pictures] == [
        (0, "before"), (0, "after"), (1, "before"), (1, "after")]
    for index, freeze in enumerate(freezes):
        before, after = pictures[2 * index], pictures[2 * index + 1]
        assert before.t_s == pytest.approx(freeze.start_s, abs=1e-9)
        # a freeze lasts its delay in whole ms, as libwebrtc counts it
        assert after.t_s == pytest.approx(freeze.start_s + freeze.duration_s, abs=1e-3)
    # the pictures are those frames': frame 59 before the first gap, frame 60 after it
    assert abs(int(decode(pictures[0].jpeg)[60, 120]) - 59) < 8
    assert abs(int(decode(pictures[1].jpeg)[60, 120]) - 60) < 8
    assert [t.moment for t in report.thumbnails if t.moment == "low_clarity"]
    assert report.to_dict()["thumbnails"][0]["role"] == "before"


def test_a_content_freeze_keeps_the_still_picture_and_the_first_that_moved() -> None:
    # 30 fps throughout (no delivery freeze); frames 30-59 repeat frame 30's picture for 1 s.
    levels = [i for i in range(30)] + [30] * 30 + [100 + i for i in range(30)]
    analyzer = StreamAnalyzer()
    for index, level in enumerate(levels):
        analyzer.video_frame(index / 30, picture(level, 180, 320))
    report = analyzer.report(RunFacts(target=Target(url="x.y4m", protocol="file"), clock="none"),
                             limits={})
    [freeze] = report.stutter.freezes
    assert freeze.kind == "content"
    pictures = [t for t in report.thumbnails if t.moment == "content_freeze"]
    assert [(t.moment_index, t.role) for t in pictures] == [(0, "during"), (0, "after")]
    during, after = pictures
    assert after.t_s == pytest.approx(freeze.start_s + freeze.duration_s, abs=1e-9)
    assert during.t_s == pytest.approx(after.t_s - 1 / 30, abs=1e-9)
    assert abs(int(decode(during.jpeg)[60, 120]) - 30) < 8
    assert abs(int(decode(after.jpeg)[60, 120]) - 100) < 8
