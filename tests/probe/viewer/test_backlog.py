"""A probe that cannot keep up with picture analysis still times every frame, and says so.

The slow analysis is made for real: each frame's analysis takes 60 ms (an analyzer that sleeps),
twice the frame interval, as on a starved machine.
"""

from __future__ import annotations

import time

import pytest

from metrics.analysis import StreamAnalyzer
from probe.viewer.peer import MAX_ANALYSIS_BACKLOG
from tests.support.small_room import view_small_room

SLOW_ANALYSIS_S = 0.060


class SlowAnalyzer(StreamAnalyzer):
    def __init__(self) -> None:
        super().__init__()
        self.with_picture = 0

    def video_frame(self, *args, **kwargs):
        analyse_picture = args[3] if len(args) > 3 else kwargs.get("analyse_picture", True)
        if analyse_picture:
            self.with_picture += 1
            time.sleep(SLOW_ANALYSIS_S)
        return super().video_frame(*args, **kwargs)


@pytest.mark.integration
async def test_backlog_skips_clarity_but_counts_every_frame() -> None:
    analyzer = SlowAnalyzer()
    viewed = await view_small_room(analyzer, duration_s=4.0)
    assert viewed.frames_without_clarity > 0
    assert analyzer.frames == analyzer.with_picture + viewed.frames_without_clarity
    assert analyzer.frames >= 0.8 * 30 * 4.0  # every frame still timed
    assert analyzer.with_picture >= MAX_ANALYSIS_BACKLOG
    assert any("clarity skipped on" in note for note in viewed.notes())
