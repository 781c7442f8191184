"""The display a clarity score judges a picture on: its rows, and which VMAF model stands for it.

VMAF predicts the quality a viewer sees at a distance of three picture heights on a display of
the reference's size (vmaf_v0.6.1), or on a phone (its phone model: the same features with
``enable_transform``, which maps them to the higher scores a small screen earns). A picture of
fewer rows than the display is upscaled to it, so its score depends on the display: a clean
480-row stream is good on a 480-row window and soft on a 1080-row TV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VmafModel = Literal["vmaf", "phone"]
TV_ROWS = 1080  # a full-HD television, viewed at 3 picture heights (VMAF's design condition)
PHONE_ROWS = 1080  # a full-HD phone in landscape; VMAF's phone model stands for its viewing


@dataclass(frozen=True)
class Display:
    """``name``; ``rows`` (None: the stream's own height); the VMAF model it stands for."""

    name: str
    rows: int | None
    vmaf_model: VmafModel

    def rows_for(self, stream_rows: int) -> int:
        """The display's rows for a stream of ``stream_rows`` rows."""
        return self.rows if self.rows is not None else stream_rows


DISPLAYS = {
    "own": Display("own", None, "vmaf"),  # the stream's own size: as sent, nothing upscaled
    "tv": Display("tv", TV_ROWS, "vmaf"),
    "phone": Display("phone", PHONE_ROWS, "phone"),
}
DEFAULT_DISPLAY = DISPLAYS["own"]


def display_named(name: str) -> Display:
    """The display called ``name`` (one of ``DISPLAYS``); ValueError naming the choices."""
    try:
        return DISPLAYS[name]
    except KeyError:
        raise ValueError(f"unknown display {name!r}; choose one of {', '.join(DISPLAYS)}") from None
