"""GRID.toml: the encoder settings a compare crosses, each key a list of values.

Keys (``metrics.compare.GRID_KEYS``): ``codec`` ("vp8", "h264"), ``bitrate_kbps``, ``height``
(the width follows the source's aspect, rounded to even), ``fps``, ``keyframe_interval_s`` and
``speed``: an integer is libvpx's cpu-used and goes with vp8, a name is an x264 preset and goes
with h264 (the other pairs are left out). Keys left out take the pattern flags' defaults; for a
file source, ``height`` and ``fps`` default to the file's own.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics.compare import GRID_KEYS, Setting
from probe.errors import InputError
from probe.media.encoding import (
    BITRATE_RANGE_KBPS,
    H264_PRESETS,
    VIDEO_CODECS,
    VP8_SPEED_RANGE,
    VideoEncoding,
)
from probe.pattern.spec import FPS_RANGE, HEIGHT_RANGE_PX, WIDTH_RANGE_PX

KEYFRAME_INTERVAL_RANGE_S = (0.1, 60.0)


@dataclass(frozen=True)
class Grid:
    """The settings to run, in grid order (the first configuration is the BD-rate anchor)."""

    settings: tuple[Setting, ...]
    varied: tuple[str, ...]  # the keys with more than one value


def _number(key: str, value: Any, low: float, high: float, unit: str, integer: bool) -> Any:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
        what = "an integer" if integer else "a number"
        raise InputError(f"grid key {key!r}: {value!r} is not {what} in {low:g}-{high:g} {unit}; "
                         "the encoders take only that range")
    return value


def _check_value(key: str, value: Any) -> Any:
    if key == "codec":
        if value not in VIDEO_CODECS:
            raise InputError(f"grid key 'codec': {value!r} is not one of {', '.join(VIDEO_CODECS)}")
        return value
    if key == "bitrate_kbps":
        return _number(key, value, *BITRATE_RANGE_KBPS, "kbps", integer=True)
    if key == "height":
        height = _number(key, value, *HEIGHT_RANGE_PX, "px", integer=True)
        if height % 2:
            raise InputError(f"grid key 'height': {height} is odd; 4:2:0 video needs even sizes")
        return height
    if key == "fps":
        return float(_number(key, value, *FPS_RANGE, "fps", integer=False))
    if key == "keyframe_interval_s":
        return float(_number(key, value, *KEYFRAME_INTERVAL_RANGE_S, "s", integer=False))
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(key, value, *VP8_SPEED_RANGE, "(libvpx cpu-used)", integer=True)
    if value not in H264_PRESETS:
        raise InputError(f"grid key 'speed': {value!r} is neither a libvpx cpu-used integer nor "
                         f"an x264 preset ({', '.join(H264_PRESETS)})")
    return value


def _speed_fits(codec: str, speed: int | str | None) -> bool:
    return speed is None or isinstance(speed, int) == (codec == "vp8")


def _even_width(height: int, aspect: float) -> int:
    width = max(2, round(height * aspect / 2) * 2)
    if not WIDTH_RANGE_PX[0] <= width <= WIDTH_RANGE_PX[1]:
        raise InputError(f"grid key 'height': {height} px gives a width of {width} px at the "
                         f"source's aspect, outside {WIDTH_RANGE_PX[0]}-{WIDTH_RANGE_PX[1]} px")
    return width


def parse_grid(data: dict[str, Any], source_width: int, source_height: int,
               source_fps: float, where: str = "grid") -> Grid:
    """The settings of a parsed GRID.toml, crossed in key order; defaults for the keys left out
    (the pattern flags' encoding, the source's height and fps)."""
    unknown = sorted(set(data) - set(GRID_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}; the keys are "
                         f"{', '.join(GRID_KEYS)}")
    encoding = VideoEncoding()
    defaults: dict[str, list[Any]] = {
        "codec": [encoding.codec], "bitrate_kbps": [encoding.bitrate_kbps],
        "height": [source_height], "fps": [float(source_fps)],
        "keyframe_interval_s": [encoding.keyframe_interval_s], "speed": [None]}
    values: dict[str, list[Any]] = {}
    for key in GRID_KEYS:
        given = data.get(key)
        if given is None:
            values[key] = defaults[key]
            continue
        if not isinstance(given, list):
            raise InputError(f"{where}: key {key!r} must be a list, e.g. {key} = [{given!r}]")
        if not given:
            raise InputError(f"{where}: key {key!r} is an empty list; give at least one value "
                             "or leave the key out")
        try:
            values[key] = list(dict.fromkeys(_check_value(key, v) for v in given))
        except InputError as err:
            raise InputError(f"{where}: {err}") from err
    for speed in values["speed"]:
        if speed is not None and not any(_speed_fits(c, speed) for c in values["codec"]):
            raise InputError(f"{where}: key 'speed': {speed!r} fits none of the codecs "
                             f"{values['codec']} (integers for vp8, preset names for h264)")
    aspect = source_width / source_height
    settings = tuple(
        Setting(codec=codec, width=_even_width(height, aspect), height=height, fps=fps,
                bitrate_kbps=bitrate, keyframe_interval_s=keyframe, speed=speed)
        for codec, bitrate, height, fps, keyframe, speed in itertools.product(
            *(values[key] for key in GRID_KEYS))
        if _speed_fits(codec, speed))
    return Grid(settings, tuple(k for k in GRID_KEYS if len(values[k]) > 1))


def load_grid(path: Path, source_width: int, source_height: int, source_fps: float) -> Grid:
    """``parse_grid`` of the TOML file at ``path``; an unreadable file is an ``InputError``."""
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError as err:
        raise InputError(f"{path}: no such grid file") from err
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"{path} is not a readable TOML grid ({err})") from err
    return parse_grid(data, source_width, source_height, source_fps, where=str(path))

