"""What the stamped pattern looks like (kept free of heavy imports: the CLI reads its defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.pattern_schedule import DEFAULT_FLASH_PERIOD_S

# The ranges the pattern's flags accept (CLI and suite files alike): (low, high), inclusive.
WIDTH_RANGE_PX = (64, 3840)
HEIGHT_RANGE_PX = (64, 2160)
FPS_RANGE = (1.0, 120.0)


@dataclass(frozen=True)
class PatternSpec:
    """Size (px), frame rate (fps), flash period (s), A/V offset (ms, + audio leads), audio rate."""

    width: int = 1280
    height: int = 720
    fps: float = 30.0
    flash_period_s: float = DEFAULT_FLASH_PERIOD_S
    av_offset_ms: float = 0.0
    sample_rate: int = 48000
