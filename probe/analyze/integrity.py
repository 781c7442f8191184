"""What a file's own structure says about the figures: timestamps that restart, a file that ends
before the duration it declares, packets the demuxer flags as corrupt.

Segments joined without rewriting their timestamps (``cat a.ts b.ts``) restart their pts near
0; read as they are, a restart folds the second segment onto the first (90.7 fps measured on
two 30 fps segments). ``TimestampRepair`` continues the time line across each restart by one
frame interval and counts the restarts for the report's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A frame this much (s) before the previous one is a restart, not a reordering jitter.
RESTART_BACKWARDS_S = 0.001
# A file that decodes to less than this share of the duration its header declares is cut short.
DECODED_SHARE_COMPLETE = 0.9
RESTARTS_SHOWN = 5


@dataclass
class TimestampRepair:
    """Streaming: ``continued(t_s)`` per decoded frame, in decode output order."""

    default_interval_s: float
    restarts_at_s: list[float] = field(default_factory=list)  # continued time of each restart
    _offset_s: float = 0.0
    _last_s: float | None = None
    _interval_s: float | None = None

    def continued(self, t_s: float) -> float:
        """``t_s`` (the frame's own time) on a time line that never goes back (s)."""
        if self._last_s is not None:
            step_s = t_s + self._offset_s - self._last_s
            if step_s < -RESTART_BACKWARDS_S:
                interval_s = self._interval_s or self.default_interval_s
                self._offset_s += self._last_s + interval_s - (t_s + self._offset_s)
                self.restarts_at_s.append(self._last_s + interval_s)
            elif step_s > 0:
                self._interval_s = step_s  # the latest frame interval: what a restart continues
        self._last_s = t_s + self._offset_s
        return self._last_s

    def notes(self) -> tuple[str, ...]:
        if not self.restarts_at_s:
            return ()
        shown = ", ".join(f"{t:.2f} s" for t in self.restarts_at_s[:RESTARTS_SHOWN])
        more = (f" and {len(self.restarts_at_s) - RESTARTS_SHOWN} more"
                if len(self.restarts_at_s) > RESTARTS_SHOWN else "")
        note = (f"the file's timestamps restart {len(self.restarts_at_s)}x (at {shown}{more}): "
                "segments joined without rewriting their times; the time line is continued "
                "across each restart")
        return (note,)


def truncation_note(declared_s: float, decoded_s: float) -> str | None:
    """A note when the decoded video (s) falls short of the duration the file declares (s)."""
    if declared_s <= 0 or decoded_s >= DECODED_SHARE_COMPLETE * declared_s:
        return None
    return (f"the file declares {declared_s:.2f} s but its video ends at {decoded_s:.2f} s: it "
            "is truncated or damaged; the figures cover the part that decodes")


def corrupt_packets_note(corrupt: int, packets: int) -> str | None:
    """A note when the demuxer flagged packets as corrupt."""
    if not corrupt:
        return None
    return (f"{corrupt} of {packets} video packets are flagged corrupt by the demuxer: the file "
            "is damaged; figures around them may show artefacts that the stream did not have")
