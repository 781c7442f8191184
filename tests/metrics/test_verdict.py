"""Thresholds: defaults, TOML overrides, statuses and the verdict."""

from pathlib import Path

import pytest

from metrics.verdict import (
    DEFAULT_LIMITS,
    ThresholdsError,
    evaluate,
    load_limits,
    run_checks,
    verdict,
)


def test_min_and_max_directions() -> None:
    fps = DEFAULT_LIMITS["fps"]
    assert evaluate("fps", 30, fps).status == "pass"
    assert evaluate("fps", 20, fps).status == "warn"
    assert evaluate("fps", 10, fps).status == "fail"
    g2g = DEFAULT_LIMITS["glass_to_glass_p95_ms"]
    assert evaluate("g", 100, g2g).status == "pass"
    assert evaluate("g", 500, g2g).status == "warn"
    assert evaluate("g", 1500, g2g).status == "fail"


def test_unmeasured_values_are_left_out_and_verdict_is_worst() -> None:
    checks = run_checks({"fps": 30.0, "clarity_score": None, "freeze_count": 1.0}, DEFAULT_LIMITS)
    assert [c.name for c in checks] == ["fps", "freeze_count"]
    assert verdict(checks) == "warn"  # one freeze on a pre-show check is worth a warning
    assert verdict(run_checks({"freeze_count": 3.0}, DEFAULT_LIMITS)) == "fail"
    assert verdict(()) == "pass"


def test_toml_overrides_one_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[fps]\nfail = 25\n")
    limits = load_limits(path)
    assert limits["fps"].fail == 25 and limits["fps"].warn == DEFAULT_LIMITS["fps"].warn
    assert evaluate("fps", 24, limits["fps"]).status == "fail"


@pytest.mark.parametrize("text, fragment", [
    ("[nosuch]\nfail = 1\n", "unknown check [nosuch]"),
    ("[fps]\nfail = 'x'\n", "[fps] fail must be a number"),
    ("[fps]\nlimit = 3\n", "takes only numeric keys"),
    ("[fps\n", "not valid TOML"),
])
def test_bad_thresholds_files_name_the_problem(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ThresholdsError, match=None) as err:
        load_limits(path)
    assert fragment in str(err.value) and str(path) in str(err.value)
