"""Suite files: every mistake is one line naming the case and the key, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.figures import FIGURES, report_paths
from probe.suite.spec import SuiteError, load_suite

GOOD = """
[suite]
name = "ci"
repeats = 3

[[case]]
name = "room"
duration_s = 4
width = 640
height = 360
impair = "loss=1%"

[case.budgets]
"latency.glass_to_glass_ms.p95" = {warn = 200, fail = 400}
"video.fps" = {fail = 25}
"clarity.noise" = {warn = 6, fail = 10}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_a_good_suite_parses_with_directions_from_the_figures(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD))
    (case,) = suite.cases
    assert (suite.name, case.name, case.source, case.repeats, case.max_repeats) == \
        ("ci", "room", "room", 3, 9)
    assert (case.pattern.width, case.pattern.height, case.impair.loss) == (640, 360, 0.01)
    budgets = case.budgets
    assert budgets["latency.glass_to_glass_ms.p95"].direction == "max"
    assert budgets["video.fps"].direction == "min" and budgets["video.fps"].warn == 25
    assert budgets["clarity.noise"].direction == "max"  # from warn < fail: higher is worse


def test_every_tracked_figure_is_a_report_path() -> None:
    paths = report_paths()
    assert set(FIGURES) <= set(paths)
    assert "latency.glass_to_glass_ms.p95" in paths and "stutter.freeze_count" in paths
    assert "target.url" not in paths  # not a number


@pytest.mark.parametrize(("text", "fragments"), [
    ('[[case]]\nname = "a"\nbitrate = 5\n', ["case 'a'", "unknown key 'bitrate'"]),
    ('[[case]]\nname = "a"\nfile = "missing.mp4"\n', ["case 'a'", "key file", "does not exist"]),
    ('[[case]]\nname = "a"\n[case.budgets]\n"latency.g2g" = {fail = 1}\n',
     ["case 'a'", "budgets.'latency.g2g'", "no such figure"]),
    ('[[case]]\nname = "a"\n[case.budgets]\n"clarity.noise" = {fail = 1}\n',
     ["case 'a'", "direction"]),
    ('[[case]]\nname = "a"\n[case.budgets]\n"video.fps" = {warn = 20, fail = 25}\n',
     ["case 'a'", "beyond the warn"]),
    ('[[case]]\nname = "a"\nurl = "http://x/whep/s"\nimpair = "loss=1%"\n',
     ["case 'a'", "impair applies to the embedded room"]),
    ('[[case]]\nname = "a"\nurl = "http://x"\nfile = "y"\n', ["case 'a'", "one of url"]),
    ('[[case]]\nname = "a"\nwidth = 641\n', ["case 'a'", "width must be even"]),
    ('[[case]]\nname = "a"\nduration_s = nan\n', ["case 'a'", "duration_s", "finite"]),
    ('[[case]]\nname = "a"\nimpair = "loss=200%"\n', ["case 'a'", "key impair"]),
    ('[[case]]\nduration_s = 3\n', ["[[case]] #1", "name is missing"]),
    ('[[case]]\nname = "a"\n[[case]]\nname = "a"\n', ["two cases are named 'a'"]),
    ('[suite]\nrepeats = 0\n[[case]]\nname = "a"\n', ["[suite]", "repeats"]),
    ('[suite]\nname = "x"\n', ["no [[case]]"]),
    ('[[case]\n', ["not a valid TOML"]),
    ('[cases]\n', ["unknown table 'cases'"]),
])
def test_bad_suites_name_the_case_and_key(tmp_path: Path, text: str,
                                          fragments: list[str]) -> None:
    with pytest.raises(SuiteError) as caught:
        load_suite(write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_suite_file(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="cannot read"):
        load_suite(tmp_path / "nope.toml")
