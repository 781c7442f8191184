"""Timeline events: what happened to the stream itself, as opposed to how it played.

A media-timestamp jump (the RTP time moving much further, or backwards, than the wall clock
between two arrivals: a sender restarted or the source was switched), an SSRC change (a new RTP
stream on the same track), a change of picture (size, or the stamp appearing or going away)
and a keyframe request the viewer sent (a PLI after a loss it could not repair) are listed in
the report's ``events`` as ``{t_s, kind, detail}``, ``t_s`` seconds from the first frame. None
of them is a gap: an audio gap is bounded by the wall clock (``metrics.audio``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["timestamp_jump", "ssrc_change", "source_change", "keyframe_request"]
# Media time may run ahead of or behind arrival time by jitter-buffer play; beyond this it jumped.
JUMP_TOLERANCE_S = 1.0
EVENTS_KEPT = 100


@dataclass(frozen=True)
class StreamEvent:
    """One event at ``t_s`` (s from the first frame): its kind and a one-line detail."""

    t_s: float
    kind: EventKind
    detail: str


def timestamp_jump_s(media_delta_s: float, arrival_delta_s: float) -> float | None:
    """How far media time jumped (s, negative: backwards) between two frames that arrived
    ``arrival_delta_s`` apart, or None when it moved with the wall clock."""
    jump_s = media_delta_s - arrival_delta_s
    return jump_s if abs(jump_s) > JUMP_TOLERANCE_S else None


class EventLog:
    """Events in arrival order; keeps the first ``EVENTS_KEPT`` and counts the rest."""

    def __init__(self) -> None:
        self._events: list[StreamEvent] = []
        self.count = 0

    def add(self, t_s: float, kind: EventKind, detail: str) -> None:
        self.count += 1
        if len(self._events) < EVENTS_KEPT:
            self._events.append(StreamEvent(t_s, kind, detail))

    def events(self, also: tuple[StreamEvent, ...] = ()) -> tuple[StreamEvent, ...]:
        """The events kept, with ``also``, in time order."""
        return tuple(sorted((*self._events, *also), key=lambda e: e.t_s))


class TimestampJumps:
    """Finds media-time jumps of one stream from (arrival s, media s) pairs in arrival order."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._last: tuple[float, float] | None = None

    def update(self, arrival_s: float, media_s: float) -> str | None:
        """Account one frame; the detail of the jump it shows, if any."""
        last, self._last = self._last, (arrival_s, media_s)
        if last is None:
            return None
        jump_s = timestamp_jump_s(media_s - last[1], arrival_s - last[0])
        if jump_s is None:
            return None
        return f"{self._kind} media time jumped {jump_s:+.3f} s against the wall clock"
