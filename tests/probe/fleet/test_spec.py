"""The fleet SPEC: what it accepts, and one line naming the key for what it refuses."""

from __future__ import annotations

import pytest

from probe.fleet.cost import stream_cost_cores
from probe.fleet.spec import SpecError, load_spec, parse_spec
from tests.probe.cli.test_cli import run_cli

URL = "http://127.0.0.1:9/whep/show-1"


def test_streams_take_their_cost_from_height_or_their_own_figure() -> None:
    spec = parse_spec({"fleet": {"probes": 2}, "stream": [
        {"url": URL, "height": 360}, {"url": URL, "stream_id": "b", "cost_cores": 0.4,
                                      "token": "t", "timeout": 3}]}, "s.toml")
    first, second = spec.streams
    assert (first.key, first.cost_cores) == ("show-1", stream_cost_cores(360))
    assert (second.key, second.cost_cores, second.token, second.timeout_s) == ("b", 0.4, "t", 3)
    assert spec.probes == 2


def test_a_load_test_spawns_viewers_at_the_rate() -> None:
    spec = parse_spec({"load": {"url": URL, "viewers": 5, "spawn_rate": 2.0}}, "s.toml")
    assert [p.key for p in spec.streams] == [f"show-1#{i}" for i in range(5)]
    assert {p.stream_id for p in spec.streams} == {"show-1"}
    assert [p.start_after_s for p in spec.streams] == [0.0, 0.5, 1.0, 1.5, 2.0]


@pytest.mark.parametrize("data, message", [
    ({}, "either [[stream]] tables or one [load]"),
    ({"stream": [{"url": URL}], "load": {"url": URL, "viewers": 1}}, "either"),
    ({"stream": [{"stream_id": "a"}]}, "[[stream]] 1: key url missing"),
    ({"stream": [{"url": "ftp://x/y"}]}, "[[stream]] 1: url"),
    ({"stream": [{"url": URL}, {"url": URL}]}, "'show-1' is given twice"),
    ({"stream": [{"url": URL, "cost_cores": -1}]}, "cost_cores: expected a finite number"),
    ({"stream": [{"url": URL, "colour": 1}]}, "unknown key 'colour'"),
    ({"load": {"url": URL, "viewers": 0}}, "viewers: expected a whole number"),
    ({"fleet": {"probes": 3}, "stream": [{"url": URL}]}, "more than the 1 streams"),
])
def test_bad_specs_are_refused_naming_the_key(data: dict, message: str) -> None:
    with pytest.raises(SpecError, match=None) as caught:
        parse_spec(data, "s.toml")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_that_is_not_toml(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[[stream]\nurl=")
    with pytest.raises(SpecError, match="not a valid TOML fleet SPEC"):
        load_spec(path)


def test_the_command_refuses_a_bad_spec_with_one_line_and_exit_2(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[stream]]\nstream_id = "a"\n')
    done = run_cli("fleet", str(path), "--timeline", str(tmp_path / "out"), timeout_s=30)
    assert done.returncode == 2, done.stderr
    assert "key url missing" in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if "rror:" in line]) == 1
