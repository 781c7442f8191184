"""One encoder setting of a compare grid, and how configurations are named by what differs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

# The keys a grid may cross (contract: GRID.toml), in the order a label reads them.
GRID_KEYS = ("codec", "bitrate_kbps", "height", "fps", "keyframe_interval_s", "speed")


@dataclass(frozen=True)
class Setting:
    """Codec, picture size (px), frame rate (fps), target bitrate (kbps), keyframe interval (s)
    and the encoder's speed (libvpx cpu-used or x264 preset; None: the room's default)."""

    codec: str
    width: int
    height: int
    fps: float
    bitrate_kbps: int
    keyframe_interval_s: float
    speed: int | str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The setting as JSON (contract: ``runs[].setting``)."""
        return asdict(self)

    @property
    def configuration(self) -> Setting:
        """The setting without its bitrate: the points of one rate-quality curve share it."""
        return Setting(self.codec, self.width, self.height, self.fps, 0,
                       self.keyframe_interval_s, self.speed)

    def describe(self, keys: Sequence[str] = GRID_KEYS) -> str:
        """A short label of the values of ``keys``, e.g. ``vp8 720p30 2000 kbps kf 2 s``."""
        parts = {
            "codec": self.codec,
            "height": f"{self.height}p",
            "fps": f"{self.fps:g} fps",
            "bitrate_kbps": f"{self.bitrate_kbps} kbps",
            "keyframe_interval_s": f"kf {self.keyframe_interval_s:g} s",
            "speed": f"speed {self.speed if self.speed is not None else 'default'}",
        }
        return " ".join(parts[key] for key in GRID_KEYS if key in keys)


def differing_keys(a: Setting, b: Setting) -> tuple[str, ...]:
    """The grid keys whose values differ between ``a`` and ``b`` (bitrate left out)."""
    return tuple(key for key in GRID_KEYS
                 if key != "bitrate_kbps" and getattr(a, key) != getattr(b, key))
