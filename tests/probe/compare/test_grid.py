"""GRID.toml: crossing, defaults, width from the source's aspect, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.compare.grid import load_grid, parse_grid
from probe.errors import InputError


def test_crosses_keys_and_follows_the_source_aspect() -> None:
    grid = parse_grid({"codec": ["vp8", "h264"], "bitrate_kbps": [500, 1000],
                       "height": [360, 270]}, 720, 528, 24.0)
    assert len(grid.settings) == 8
    assert grid.varied == ("codec", "bitrate_kbps", "height")
    first = grid.settings[0]
    assert (first.codec, first.bitrate_kbps, first.height, first.width) == ("vp8", 500, 360, 490)
    assert first.fps == 24.0 and first.keyframe_interval_s == 2.0 and first.speed is None
    assert {s.width for s in grid.settings if s.height == 270} == {368}


def test_speed_integers_go_with_vp8_and_presets_with_h264() -> None:
    grid = parse_grid({"codec": ["vp8", "h264"], "speed": [-6, "veryfast"]}, 1280, 720, 30)
    assert [(s.codec, s.speed) for s in grid.settings] == [("vp8", -6), ("h264", "veryfast")]


@pytest.mark.parametrize(("data", "message"), [
    ({"bitrate": [500]}, "unknown key 'bitrate'"),
    ({"codec": []}, "key 'codec' is an empty list"),
    ({"codec": "vp8"}, "key 'codec' must be a list"),
    ({"codec": ["av1"]}, "'av1' is not one of vp8, h264"),
    ({"bitrate_kbps": [10]}, "grid key 'bitrate_kbps': 10 is not an integer in 50-50000 kbps"),
    ({"bitrate_kbps": [500.5]}, "grid key 'bitrate_kbps'"),
    ({"height": [361]}, "grid key 'height': 361 is odd"),
    ({"fps": [0]}, "grid key 'fps'"),
    ({"keyframe_interval_s": [-1]}, "grid key 'keyframe_interval_s'"),
    ({"speed": ["turbo"]}, "grid key 'speed': 'turbo'"),
    ({"codec": ["h264"], "speed": [4]}, "'speed': 4 fits none of the codecs"),
])
def test_bad_grid_names_the_key(data: dict, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_grid(data, 1280, 720, 30)


def test_bad_toml_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such grid file"):
        load_grid(tmp_path / "absent.toml", 1280, 720, 30)
    broken = tmp_path / "broken.toml"
    broken.write_text("codec = [vp8")
    with pytest.raises(InputError, match="not a readable TOML grid"):
        load_grid(broken, 1280, 720, 30)
