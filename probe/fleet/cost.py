"""What watching one stream costs a probe, in cores: the figure a fleet reserves per stream.

Measured with every live metric of a URL watch on (stamps, clarity at 10 fps, freezes, A/V sync,
audio, network), the test room in its own process, CPU from /proc over 30 s after an 8 s warm-up
on this 2-core host: 360p30 at 600 kbps 0.255 cores. 720p30 and 1080p30 are issue 17's figures
for the same watch (``bench/bench_viewer_cost.py`` measures them beside Chromium). Most of the
cost is per frame and per packet, not per pixel, so the tiers are close.
"""

from __future__ import annotations

# (height up to, cores per stream), ascending
STREAM_COST_CORES = ((360, 0.26), (720, 0.27), (1080, 0.37))
LARGEST_COST_CORES = 0.5  # beyond 1080p: not measured, reserved generously


def stream_cost_cores(height_px: int) -> float:
    """Cores one watched stream of ``height_px`` lines costs (the smallest measured tier that
    covers it)."""
    for up_to_px, cores in STREAM_COST_CORES:
        if height_px <= up_to_px:
            return cores
    return LARGEST_COST_CORES
