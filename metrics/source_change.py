"""What the stream shows changing mid-run: another picture size, or the stamp code appearing or
going away (the test room switching between its pattern and a publisher, a publisher replaced).

A check that spans such a change measured two streams, so its report says so. A stamp that
fails to read on a few damaged frames is not a change: the stamped state flips only after
``STAMP_STATE_FRAMES`` frames in a row agree. A size change may also be a sender adapting its
resolution; the note says both.
"""

from __future__ import annotations

from dataclasses import dataclass

STAMP_STATE_FRAMES = 15  # half a second at 30 fps
CHANGES_KEPT = 10  # a long run with many switches keeps the first few, and counts the rest


@dataclass(frozen=True)
class SourceChange:
    """One change at ``t_s`` (s from the first frame), from one picture to another."""

    t_s: float
    before: str
    after: str


class SourceChangeDetector:
    """Streaming: one ``update`` per decoded frame."""

    def __init__(self) -> None:
        self._size: tuple[int, int] | None = None
        self._stamped: bool | None = None
        self._run = 0  # frames in a row whose stamped state differs from ``_stamped``
        self.changes: list[SourceChange] = []
        self.count = 0

    def update(self, t_s: float, width: int, height: int, stamped: bool) -> None:
        """Account one frame at ``t_s`` of ``width`` x ``height``, stamped or not."""
        before = self._describe()
        changed = self._size is not None and (width, height) != self._size
        self._size = (width, height)
        if self._stamped is None or changed:
            self._stamped, self._run = stamped, 0  # a new picture: its own stamped state
        elif stamped != self._stamped:
            self._run += 1
            if self._run >= STAMP_STATE_FRAMES:
                self._stamped, self._run, changed = stamped, 0, True
        else:
            self._run = 0
        if changed:
            self.count += 1
            if len(self.changes) < CHANGES_KEPT:
                self.changes.append(SourceChange(t_s, before, self._describe()))

    def _describe(self) -> str:
        if self._size is None:
            return "nothing"
        return f"{self._size[0]}x{self._size[1]} {'stamped' if self._stamped else 'unstamped'}"

    def notes(self) -> tuple[str, ...]:
        """One note for the report when the picture changed during the run, else none."""
        if not self.count:
            return ()
        shown = "; ".join(f"at {c.t_s:.1f} s {c.before} -> {c.after}" for c in self.changes)
        more = f" (and {self.count - len(self.changes)} more)" if self.count > len(self.changes) else ""
        return (f"the source changed during the run ({self.count}x: {shown}{more}): figures "
                "cover both pictures (a new publisher, the room's pattern, or the sender "
                "adapting its resolution)",)
