"""When the test pattern flashes and beeps: the schedule both the sender and the metrics know.

Flashes fall on wall-clock multiples of the flash period; a frame is a flash frame when it is the
first frame at or after such an instant. The tone burst starts at the flash instant minus the A/V
offset (positive offset: audio leads, the sign convention of ITU-R BT.1359). The burst's shape is
fixed here too, since the A/V sync metric finds both.
"""

from __future__ import annotations

import math

DEFAULT_FLASH_PERIOD_S = 3.0
FLASH_LEVEL = 235  # the flash frame's luma: BT.601 video-range white
BURST_HZ = 3000.0
BURST_DBFS = -6.0
BURST_MS = 50.0
BURST_RAMP_MS = 2.0  # raised-cosine edges, so the burst does not click


def is_flash_frame(wallclock_ms: float, fps: float, flash_period_s: float) -> bool:
    """True for the first frame (captured at ``wallclock_ms``) at or after a flash instant."""
    period_ms = flash_period_s * 1000.0
    return wallclock_ms % period_ms < 1000.0 / fps


def flash_instant_ms(wallclock_ms: float, flash_period_s: float) -> float:
    """The flash instant (ms) at or before ``wallclock_ms``."""
    period_ms = flash_period_s * 1000.0
    return math.floor(wallclock_ms / period_ms) * period_ms


def tone_onsets_ms(start_ms: float, end_ms: float, flash_period_s: float,
                   av_offset_ms: float) -> list[float]:
    """Tone-burst onsets (wall-clock ms) in ``[start_ms, end_ms)``: each flash minus the offset."""
    period_ms = flash_period_s * 1000.0
    first = math.ceil((start_ms + av_offset_ms) / period_ms)
    last = math.ceil((end_ms + av_offset_ms) / period_ms)
    return [k * period_ms - av_offset_ms for k in range(first, last)]
