"""Content freezes: the picture stops changing although frames keep coming (a source stalled).

Mirrors FFmpeg's ``freezedetect``: the mean absolute difference between consecutive frames,
normalised to [0, 1] of the luma range, is compared with a noise floor (``-60 dB`` = 0.001 by
default, as in FFmpeg); a run of frames under it lasting at least ``min_duration_s`` is a freeze.
FFmpeg defaults to 2 s; we default to 0.5 s, since a viewer notices a half-second stall. The
difference is taken on every 4th row of the Y plane (a view: the previous frame's plane is kept,
not copied), which keeps 1080p well under a millisecond; noise floors are still met because
row sampling averages nothing away.
"""

from __future__ import annotations

import cv2
import numpy as np

from metrics.report import FreezeEvent

NOISE_FLOOR_DB = -60.0  # FFmpeg freezedetect default (n=-60dB)
MIN_DURATION_S = 0.5
DECIMATION = 4
LUMA_RANGE = 255.0


class ContentFreezeDetector:
    """Streaming detector: ``update(t_s, y)`` per frame in order; ``events`` when done."""

    def __init__(self, noise_floor_db: float = NOISE_FLOOR_DB,
                 min_duration_s: float = MIN_DURATION_S, skip_top_rows: int = 0) -> None:
        self._noise = 10 ** (noise_floor_db / 20.0)
        self._min_duration_s = min_duration_s
        self._skip = skip_top_rows
        self._previous: np.ndarray | None = None
        self._frozen_since_s: float | None = None
        self._last_t_s: float | None = None
        self._first_t_s: float | None = None
        self._events: list[FreezeEvent] = []

    def update(self, t_s: float, y: np.ndarray) -> None:
        """Account one frame shown at ``t_s`` (s) with luma plane ``y``."""
        small = y[self._skip:: DECIMATION]
        if self._first_t_s is None:
            self._first_t_s = t_s
        if self._previous is not None:
            # A new picture size (the sender switched resolution) is a change, not a freeze.
            same_size = small.shape == self._previous.shape
            mafd = (cv2.norm(small, self._previous, cv2.NORM_L1) / small.size / LUMA_RANGE
                    if same_size else 1.0)
            if mafd < self._noise:
                if self._frozen_since_s is None:
                    self._frozen_since_s = self._last_t_s
            else:
                self._close(t_s)
        self._previous = small
        self._last_t_s = t_s

    def _event(self, end_s: float) -> FreezeEvent | None:
        """The run of unchanged frames up to ``end_s`` as an event, if it is long enough."""
        if self._frozen_since_s is None or self._first_t_s is None:
            return None
        duration_s = end_s - self._frozen_since_s
        if duration_s < self._min_duration_s:
            return None
        return FreezeEvent(start_s=self._frozen_since_s - self._first_t_s,
                           duration_s=duration_s, kind="content")

    def _close(self, end_s: float) -> None:
        event = self._event(end_s)
        if event is not None:
            self._events.append(event)
        self._frozen_since_s = None

    @property
    def events(self) -> tuple[FreezeEvent, ...]:
        """Freezes found so far, including one still running at the last frame."""
        running = self._event(self._last_t_s) if self._last_t_s is not None else None
        return tuple(self._events) + ((running,) if running else ())
