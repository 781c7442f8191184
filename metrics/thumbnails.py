"""Small JPEGs of the moments worth seeing: around each freeze, and the lowest-clarity moments.

A report keeps at most ``MAX_FREEZE_MOMENTS`` freezes (the first ones, delivery and content
freezes together; the count of the others is kept). A delivery freeze ("freeze") keeps the
picture left on screen (the frame before the gap, "before") and the first one after it
("after"); a content freeze ("content_freeze": frames kept coming, the picture did not move)
keeps the picture that stood still ("during") and the first that moved ("after"). Also the
``LOW_CLARITY_MOMENTS`` lowest-clarity
moments, one per ``CLARITY_WINDOW_S`` window so they are spread over the run: memory and report
size stay bounded for any length. Pictures are the luma plane (the probe analyses luma only),
``WIDTH_PX`` wide, JPEG quality ``JPEG_QUALITY``: about 3–6 kB each.
"""

from __future__ import annotations

import base64
import heapq
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

WIDTH_PX = 160
JPEG_QUALITY = 70
MAX_FREEZE_MOMENTS = 12
LOW_CLARITY_MOMENTS = 4
CLARITY_WINDOW_S = 10.0

Moment = Literal["freeze", "content_freeze", "low_clarity"]
Role = Literal["before", "during", "after", "lowest"]


@dataclass(frozen=True)
class Thumbnail:
    """One picture: the moment it belongs to (kind and index), its role there, its time (s
    from the first frame) and the JPEG as base64."""

    moment: Moment
    moment_index: int
    role: Role
    t_s: float
    jpeg: str
    clarity: float | None = None


def encode_thumbnail(y: np.ndarray) -> str:
    """``y`` (a luma plane) scaled to ``WIDTH_PX`` wide, as a base64 JPEG."""
    import cv2  # here: the report types import this module, and `import probe` stays light

    height = max(2, round(y.shape[0] * WIDTH_PX / y.shape[1]))
    small = cv2.resize(y, (WIDTH_PX, height), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return base64.b64encode(data.tobytes()).decode("ascii")


@dataclass(order=True)
class _Lowest:
    neg_score: float  # a max-heap of the lowest scores through heapq's min-heap
    window: int
    thumbnail: Thumbnail = field(compare=False)


class ThumbnailKeeper:
    """Collects the thumbnails of one run, bounded whatever its length."""

    def __init__(self) -> None:
        self._freezes: list[Thumbnail] = []
        self._freeze_moments = 0
        self.freezes_without_thumbnails = 0
        self._window: int | None = None
        self._window_best: tuple[float, float, np.ndarray] | None = None  # score, t_s, luma
        self._lowest: list[_Lowest] = []
        self._previous: np.ndarray | None = None  # a copy: a decoded frame's buffer is reused
        self._previous_t_s = 0.0

    def frame(self, t_s: float, y: np.ndarray, ends_freeze: bool = False,
              clarity: float | None = None, ends_content_freeze: bool = False) -> None:
        """Account one frame (``t_s`` s from the first frame, ``y`` its luma): when it ends a
        delivery freeze the frame before the gap and this one are kept, when it ends a content
        freeze the still picture (the frame before, equal to it) and this one; ``clarity`` is its
        score when it was scored. Costs a copy of the luma plane per frame (about 0.1 ms at
        1080p)."""
        if self._previous is not None:
            if ends_freeze:
                self.freeze([("before", self._previous_t_s, self._previous), ("after", t_s, y)])
            if ends_content_freeze:
                self.freeze([("during", self._previous_t_s, self._previous), ("after", t_s, y)],
                            moment="content_freeze")
        if self._previous is None or self._previous.shape != y.shape:
            self._previous = np.empty_like(y)
        np.copyto(self._previous, y)
        self._previous_t_s = t_s
        if clarity is not None:
            self.clarity(t_s, y, clarity)

    def freeze(self, pictures: list[tuple[Role, float, np.ndarray]],
               moment: Moment = "freeze") -> None:
        """One freeze's pictures ((role, t_s, luma) for before, during, after)."""
        if self._freeze_moments >= MAX_FREEZE_MOMENTS:
            self.freezes_without_thumbnails += 1
            return
        for role, t_s, y in pictures:
            self._freezes.append(Thumbnail(moment, self._freeze_moments, role, t_s,
                                           encode_thumbnail(y)))
        self._freeze_moments += 1

    def clarity(self, t_s: float, y: np.ndarray, score: float) -> None:
        """A frame's clarity score; the lowest of each window is a candidate. ``y`` is copied
        only when it is the window's lowest so far (a decoded frame's buffer is reused)."""
        window = int(t_s // CLARITY_WINDOW_S)
        if window != self._window:
            self._close_window()
            self._window = window
        if self._window_best is None or score < self._window_best[0]:
            self._window_best = (score, t_s, np.array(y, copy=True))

    def _close_window(self) -> None:
        if self._window_best is None or self._window is None:
            return
        score, t_s, y = self._window_best
        self._window_best = None
        if len(self._lowest) == LOW_CLARITY_MOMENTS and -self._lowest[0].neg_score <= score:
            return  # not lower than any kept: no need to encode it
        item = _Lowest(-score, self._window, Thumbnail("low_clarity", 0, "lowest", t_s,
                                                       encode_thumbnail(y), clarity=score))
        if len(self._lowest) < LOW_CLARITY_MOMENTS:
            heapq.heappush(self._lowest, item)
        else:
            heapq.heapreplace(self._lowest, item)

    def thumbnails(self) -> tuple[Thumbnail, ...]:
        """Every kept thumbnail: freezes in order, then the lowest-clarity moments in time."""
        self._close_window()
        self._window = None
        lowest = sorted(self._lowest, key=lambda item: item.thumbnail.t_s)
        return tuple(self._freezes) + tuple(
            Thumbnail("low_clarity", index, "lowest", item.thumbnail.t_s, item.thumbnail.jpeg,
                      item.thumbnail.clarity) for index, item in enumerate(lowest))
