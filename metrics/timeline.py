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
    audio_energy: float = 0.0  # sum of squared int16 samples
    audio_samples: int = 0


def _dbfs(bucket: _Second) -> float | None:
    """The bucket's audio RMS level in dBFS (None: no audio, or digital silence)."""
    if not bucket.audio_samples or bucket.audio_energy <= 0:
        return None
    return 20.0 * math.log10(math.sqrt(bucket.audio_energy / bucket.audio_samples) / 32768.0)


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

    def audio(self, t_s: float, energy: float, samples: int) -> None:
        """Account audio heard at ``t_s`` (s from the first video frame): the sum of its squared
        int16 samples and their number."""
        if t_s >= 0:
            bucket = self._seconds.setdefault(int(t_s), _Second())
            bucket.audio_energy += energy
            bucket.audio_samples += samples

    def rows(self, duration_s: float, freezes: tuple[FreezeEvent, ...],
             bitrate_by_second_kbps: dict[int, float],
             latency_by_second_ms: dict[int, float] | None = None,
             loss_by_second: dict[int, float] | None = None) -> tuple[TimelineRow, ...]:
        """One row per second of ``duration_s``; a second is frozen when a freeze overlaps it.
        ``latency_by_second_ms`` (the sender-report clock's figures) replaces the stamps'."""
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
                latency_ms=(latency_by_second_ms.get(second) if latency_by_second_ms is not None
                            else float(np.median(bucket.latencies_ms)) if bucket.latencies_ms
                            else None),
                loss_fraction=(loss_by_second or {}).get(second),
                audio_level_dbfs=_dbfs(bucket),
            ))
        return tuple(rows)
