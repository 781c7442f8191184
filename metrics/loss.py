"""Packet loss as webrtc-stats defines it, from RTP sequence numbers, before and after repair.

Per RTP stream (one SSRC) the receiver counts, by extended sequence number (RFC 3550 A.1):

- ``expected``: highest minus first sequence number seen, plus one;
- ``first_arrivals``: distinct packets that arrived on their first transmission (on the media
  SSRC; duplicates not counted again);
- ``repaired``: distinct packets that first arrived as a retransmission (RFC 4588 RTX, its
  original sequence number), after a NACK;
- ``retransmitted``: every retransmission received, useful or not.

``link_lost`` = expected − first arrivals: what the link dropped before any repair.
``lost`` = expected − first arrivals − repaired: webrtc-stats' residual ``packetsLost``; the
loss fraction is ``packetsLost / (packetsReceived + packetsLost)`` = lost / expected.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQ_MOD = 1 << 16
# Distinct sequence numbers remembered to ignore duplicates: older ones are forgotten.
REMEMBERED = 4096


@dataclass(frozen=True)
class LossCounts:
    """Cumulative counts of one or more RTP streams (packets)."""

    expected: int = 0
    first_arrivals: int = 0
    repaired: int = 0
    retransmitted: int = 0

    @property
    def lost(self) -> int:
        """Residual loss after retransmission (webrtc-stats packetsLost), never negative."""
        return max(0, self.expected - self.first_arrivals - self.repaired)

    @property
    def link_lost(self) -> int:
        """What the link dropped before repair."""
        return max(0, self.expected - self.first_arrivals)

    def __add__(self, other: LossCounts) -> LossCounts:
        return LossCounts(self.expected + other.expected,
                          self.first_arrivals + other.first_arrivals,
                          self.repaired + other.repaired,
                          self.retransmitted + other.retransmitted)


def fraction(part: int, whole: int) -> float | None:
    """``part / whole``, or None when nothing was expected."""
    return part / whole if whole > 0 else None


class SequenceLoss:
    """Loss counter of one RTP stream: feed it first transmissions and retransmissions."""

    def __init__(self) -> None:
        self._base: int | None = None
        self._max: int | None = None
        self._seen: set[int] = set()
        self._first = 0
        self._repaired = 0
        self._retransmitted = 0

    def _extend(self, seq: int) -> int:
        """The extended sequence number nearest the highest one so far."""
        if self._max is None:
            return seq
        candidate = (self._max & ~(SEQ_MOD - 1)) | seq
        if candidate - self._max > SEQ_MOD // 2:
            candidate -= SEQ_MOD
        elif self._max - candidate > SEQ_MOD // 2:
            candidate += SEQ_MOD
        return candidate

    def _note(self, seq: int) -> bool:
        """Record the packet; True when it had not been received before."""
        ext = self._extend(seq)
        if self._base is None or self._max is None:
            self._base = self._max = ext
        elif ext > self._max:
            self._max = ext
            if len(self._seen) > 2 * REMEMBERED:
                floor = self._max - REMEMBERED
                self._seen = {s for s in self._seen if s >= floor}
        elif ext < self._base:
            self._base = ext  # reordered before the first packet seen
        if ext in self._seen or ext < self._max - REMEMBERED:
            return False
        self._seen.add(ext)
        return True

    def first_transmission(self, seq: int) -> None:
        """A packet received on the media SSRC, sequence number ``seq`` (16 bits)."""
        self._first += self._note(seq)

    def retransmission(self, original_seq: int) -> None:
        """An RTX packet carrying original sequence number ``original_seq`` (16 bits)."""
        self._retransmitted += 1
        if self._base is not None:
            self._repaired += self._note(original_seq)

    def counts(self) -> LossCounts:
        expected = self._max - self._base + 1 if self._max is not None and self._base is not None else 0
        return LossCounts(expected, self._first, self._repaired, self._retransmitted)
