"""The per-second timeline of a run: fps, bitrate, clarity, frozen, latency for each second."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from metrics.report import FreezeEvent, TimelineRow


@dataclass
class _Second:
    frames: int = 0
    clarity_sum: float = 0.0
    clarity_n: int = 0
    latencies_ms: list[float] = field(default_factory=list)


class TimelineBuilder:
    """Accumulates per-frame figures into one bucket per whole second from the first frame."""

    def __init__(self) -> None:
        self._seconds: dict[int, _Second] = {}

    def update(self, t_s: float, clarity: float | None, latency_ms: float | None) -> None:
        """Account one frame at ``t_s`` (s from the first frame)."""
        bucket = self._seconds.setdefault(int(t_s), _Second())
        bucket.frames += 1
        if clarity is not None:
            bucket.clarity_sum += clarity
            bucket.clarity_n += 1
        if latency_ms is not None:
            bucket.latencies_ms.append(latency_ms)

    def rows(self, duration_s: float, freezes: tuple[FreezeEvent, ...],
             bitrate_by_second_kbps: dict[int, float]) -> tuple[TimelineRow, ...]:
        """One row per second of ``duration_s``; a second is frozen when a freeze overlaps it."""
        rows = []
        for second in range(max(1, math.ceil(duration_s - 1e-9))):
            bucket = self._seconds.get(second, _Second())
            frozen = any(f.start_s < second + 1 and f.start_s + f.duration_s > second
                         for f in freezes)
            rows.append(TimelineRow(
                t_s=float(second),
                fps=float(bucket.frames),
                bitrate_kbps=bitrate_by_second_kbps.get(second),
                clarity=bucket.clarity_sum / bucket.clarity_n if bucket.clarity_n else None,
                frozen=frozen,
                latency_ms=float(np.median(bucket.latencies_ms)) if bucket.latencies_ms else None,
            ))
        return tuple(rows)
