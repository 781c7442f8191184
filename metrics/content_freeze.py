"""Content freezes: the picture stops changing although frames keep coming (a source stalled).

Ported from FFmpeg's ``freezedetect`` (``libavfilter/vf_freezedetect.c``), detail for detail:

- each frame is compared with a *reference*: the first frame of the candidate frozen run (the
  last frame that differed), not with the previous frame, so a slow fade or zoom, whose
  frames each differ little from the last, ends the run once it has drifted from where it began;
- the difference is the mean absolute difference over every plane given (luma and both chroma
  planes), summed SAD over summed pixel count, divided by ``2^bitdepth`` = 256;
- a frame is frozen when that is at most the noise tolerance (``n``, default -60 dB = 0.001);
- a run becomes a freeze once the time from the reference to the current frame reaches the
  minimum duration ``d`` (checked on every frame, the first differing one included); it starts
  at the reference frame and ends at the first frame that differs again;
- a freeze still running at the last frame is reported up to that frame (FFmpeg logs its start
  only).

Three documented choices: ``d`` defaults to 0.5 s (FFmpeg: 2 s), since a viewer notices a
half-second stall; rows of the stamp's code band (which changes every frame) are left out of a
stamped stream; and a "run" with no repeated frame in it (one long gap between two different
frames, which FFmpeg also reports) is left to the delivery-freeze rule, which counts it, so
that one stall is not counted twice. A new picture size is a change, never a freeze.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from metrics.report import FreezeEvent

NOISE_FLOOR_DB = -60.0  # FFmpeg freezedetect default (n=0.001)
MIN_DURATION_S = 0.5
BIT_DEPTH = 8


def mafd(reference: Sequence[np.ndarray], frame: Sequence[np.ndarray]) -> float:
    """freezedetect's difference: summed SAD over summed pixels of all planes, over 2^8."""
    sad = sum(cv2.norm(a, b, cv2.NORM_L1) for a, b in zip(frame, reference, strict=True))
    count = sum(p.size for p in frame)
    return float(sad) / count / (1 << BIT_DEPTH)


class ContentFreezeDetector:
    """Streaming detector: ``update(t_s, y, chroma)`` per frame in order; ``events`` when done."""

    def __init__(self, noise_floor_db: float = NOISE_FLOOR_DB,
                 min_duration_s: float = MIN_DURATION_S, skip_top_rows: int = 0) -> None:
        self._noise = 10 ** (noise_floor_db / 20.0)
        self._min_duration_s = min_duration_s
        self._skip = skip_top_rows
        self._reference: tuple[np.ndarray, ...] | None = None
        self._reference_t_s = 0.0
        self._first_t_s: float | None = None
        self._last_t_s: float | None = None
        self._frozen = False
        self._held = 0  # frames of the current run equal to its reference
        self._events: list[FreezeEvent] = []

    def _planes(self, y: np.ndarray, chroma: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """The planes compared, without the code band's rows (scaled to each plane's height)."""
        return tuple(p[self._skip * p.shape[0] // y.shape[0]:] for p in (y, *chroma))

    def update(self, t_s: float, y: np.ndarray, chroma: Sequence[np.ndarray] = ()) -> bool:
        """Account one frame shown at ``t_s`` (s): its luma plane ``y`` and, when known, its
        chroma planes (U, V). True when this frame ends a content freeze (the picture moved)."""
        planes = self._planes(y, chroma)
        if self._first_t_s is None:
            self._first_t_s = t_s
        self._last_t_s = t_s
        frozen = ended = False
        if self._reference is not None:
            same_size = [p.shape for p in planes] == [p.shape for p in self._reference]
            frozen = same_size and mafd(self._reference, planes) <= self._noise
            duration_s = t_s - self._reference_t_s
            if duration_s >= self._min_duration_s:
                if not frozen and self._held:
                    self._events.append(self._event(duration_s))
                    ended = True
                self._frozen = frozen
        if frozen:
            self._held += 1
        else:
            self._reference, self._reference_t_s, self._held = planes, t_s, 0
        return ended

    def _event(self, duration_s: float) -> FreezeEvent:
        assert self._first_t_s is not None
        return FreezeEvent(start_s=self._reference_t_s - self._first_t_s, duration_s=duration_s,
                           kind="content")

    @property
    def events(self) -> tuple[FreezeEvent, ...]:
        """Freezes found so far, including one still running at the last frame."""
        if self._frozen and self._last_t_s is not None:
            return (*self._events, self._event(self._last_t_s - self._reference_t_s))
        return tuple(self._events)
