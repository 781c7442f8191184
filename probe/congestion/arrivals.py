"""When each packet numbered by the transport-wide sequence number arrived, until reported.

``ArrivalLog.record`` takes each packet's 16-bit number (unwrapped here) and its arrival time;
``ArrivalLog.feedback`` turns everything not yet reported into feedback packets and forgets it.
Memory is bounded: at most ``max_pending`` numbers are held between reports (the oldest are
dropped when more arrive), and a packet older than the last report is counted as late and
dropped, as it can no longer be reported in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probe.congestion.feedback import (
    DELTA_TICK_US,
    LARGE_MAX,
    LARGE_MIN,
    TICKS_PER_REFERENCE,
    TransportFeedback,
)

MAX_PENDING = 4096  # numbers held between two reports (50 ms at ~80k packets/s)


@dataclass
class ArrivalStats:
    """What the log did with what it was given."""

    recorded: int = 0
    late: int = 0  # arrived after their number was reported (not received)
    dropped: int = 0  # held too long without a report (more than max_pending newer)
    packets_built: int = 0


class _Unwrapper:
    """16-bit sequence numbers to an increasing integer (the nearest to the last one)."""

    def __init__(self) -> None:
        self._last: int | None = None

    def unwrap(self, sequence: int) -> int:
        if self._last is None:
            self._last = sequence
            return sequence
        step = (sequence - self._last) & 0xFFFF
        if step >= 0x8000:
            step -= 0x10000
        self._last += step
        return self._last


@dataclass
class ArrivalLog:
    """Arrivals of one transport's numbered packets, for its feedback."""

    max_pending: int = MAX_PENDING
    stats: ArrivalStats = field(default_factory=ArrivalStats)
    _arrivals: dict[int, int] = field(default_factory=dict)  # unwrapped number -> arrival (us)
    _next: int | None = None  # the first number not yet reported
    _highest: int | None = None
    _count: int = 0  # feedback packets built (its 8-bit count)
    _unwrapper: _Unwrapper = field(default_factory=_Unwrapper)

    def record(self, sequence: int, arrival_us: int) -> None:
        """Packet number ``sequence`` (16 bits) arrived at ``arrival_us`` (a monotonic clock)."""
        number = self._unwrapper.unwrap(sequence)
        if self._next is not None and number < self._next:
            self.stats.late += 1
            return
        if number in self._arrivals:
            return  # a duplicate: the first arrival counts
        self.stats.recorded += 1
        self._arrivals[number] = arrival_us
        if self._next is None:
            self._next = number
        self._highest = number if self._highest is None else max(self._highest, number)
        if self._highest - self._next >= self.max_pending:
            self.stats.dropped += self._forget_before(self._highest - self.max_pending + 1)

    def pending(self) -> int:
        """Packets recorded and not yet reported."""
        return len(self._arrivals)

    def feedback(self, sender_ssrc: int, media_ssrc: int) -> list[TransportFeedback]:
        """Feedback packets reporting every number from the last report to the highest
        received (empty when nothing arrived since); a new packet starts where a delta would
        not fit 16 signed bits."""
        if not self._arrivals or self._next is None or self._highest is None:
            return []
        packets = []
        start = self._next
        while start <= self._highest:
            first_arrival = self._arrivals[min(n for n in self._arrivals if n >= start)]
            reference = (first_arrival // DELTA_TICK_US) // TICKS_PER_REFERENCE
            last_ticks = reference * TICKS_PER_REFERENCE
            deltas: list[int | None] = []
            number = start
            while number <= self._highest:
                arrival = self._arrivals.get(number)
                if arrival is None:
                    deltas.append(None)
                else:
                    ticks = arrival // DELTA_TICK_US
                    if not LARGE_MIN <= ticks - last_ticks <= LARGE_MAX:
                        break
                    deltas.append(ticks - last_ticks)
                    last_ticks = ticks
                number += 1
            while deltas[-1] is None:  # end at a received packet: a gap is reported later
                deltas.pop()
            packets.append(TransportFeedback(sender_ssrc, media_ssrc, start & 0xFFFF, reference,
                                             self._count, tuple(deltas)))
            self._count += 1
            start += len(deltas)
        self.stats.packets_built += len(packets)
        self._forget_before(self._highest + 1)
        return packets

    def _forget_before(self, number: int) -> int:
        """Drop every arrival numbered below ``number``, which becomes the next to report;
        returns how many were dropped."""
        assert self._next is not None
        if number - self._next <= len(self._arrivals):
            olds = [n for n in range(self._next, number) if n in self._arrivals]
        else:
            olds = [n for n in self._arrivals if n < number]
        for old in olds:
            del self._arrivals[old]
        self._next = number
        return len(olds)
