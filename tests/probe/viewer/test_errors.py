"""Errors while watching are counted and the first is quoted, never dropped."""

from __future__ import annotations

import pytest

from metrics.analysis import RunFacts, StreamAnalyzer, run_notes
from metrics.report import Target
from probe.check import CheckOptions, run_check
from probe.errors import MeasurementError
from probe.pattern.spec import PatternSpec
from tests.support.small_room import view_small_room


class FaultyAnalyzer(StreamAnalyzer):
    """Fails on every 10th video frame, as a bug in analysis would."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def video_frame(self, *args, **kwargs):
        self.calls += 1
        if self.calls % 10 == 0:
            raise ValueError(f"broken frame {self.calls}")
        return super().video_frame(*args, **kwargs)


@pytest.mark.integration
async def test_analysis_errors_are_counted_and_the_first_quoted() -> None:
    analyzer = FaultyAnalyzer()
    viewed = await view_small_room(analyzer, duration_s=3.0)
    assert viewed.error_count == analyzer.calls // 10
    assert viewed.first_error == "analysis: ValueError: broken frame 10"
    assert viewed.media_ended is None
    facts = RunFacts(Target("x", "whep"), "none", error_count=viewed.error_count,
                     first_error=viewed.first_error)
    expected = (f"{viewed.error_count} error(s) while watching or analysing; "
                "the first: analysis: ValueError: broken frame 10")
    assert run_notes(facts) == (expected,)


class BrokenAnalyzer(StreamAnalyzer):
    """Every video frame's analysis fails."""

    def video_frame(self, *args, **kwargs):
        raise RuntimeError("analysis is broken")


@pytest.mark.integration
async def test_nothing_trustworthy_measured_is_a_probe_error(monkeypatch) -> None:
    """Every frame failed analysis: run_check raises MeasurementError (the CLI's exit 2)."""
    import probe.check

    monkeypatch.setattr(probe.check, "StreamAnalyzer", BrokenAnalyzer)
    with pytest.raises(MeasurementError, match="nothing trustworthy was measured.*analysis is "
                                               "broken"):
        await run_check(CheckOptions(duration_s=2.0, pattern=PatternSpec(width=320, height=180)))
