"""One RTCP transport-wide feedback packet (RTPFB, FMT=15), draft-holmer-rmcat-transport-wide-cc-
extensions-01 section 3.1:

    |V=2|P|  FMT=15 |    PT=205     |           length              |
    |                     SSRC of packet sender                     |
    |                      SSRC of media source                     |
    |      base sequence number     |      packet status count      |
    |                 reference time                | fb pkt. count |
    |          packet chunk         |         packet chunk          |  ...
    |         packet chunk          |  recv delta   |  recv delta   |  ...
    |           recv delta          |  recv delta   | zero padding  |

Each packet from the base sequence number on has a status: not received, received with a small
delta (one byte, 0..255 ticks of 250 us), or received with a large or negative delta (two bytes,
signed). Statuses are packed in 16-bit chunks: a run-length chunk (T=0, 2-bit symbol, 13-bit run)
or a status vector chunk (T=1; S=0: 14 one-bit symbols, S=1: 7 two-bit symbols). The first
delta is from the reference time (24-bit signed, in 64 ms), each next from the packet before.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

RTCP_RTPFB = 205
FMT_TRANSPORT_CC = 15
DELTA_TICK_US = 250
REFERENCE_TICK_US = 64_000
TICKS_PER_REFERENCE = REFERENCE_TICK_US // DELTA_TICK_US  # 256

NOT_RECEIVED, SMALL_DELTA, LARGE_DELTA = 0, 1, 2
SMALL_MAX = 0xFF
LARGE_MIN, LARGE_MAX = -0x8000, 0x7FFF
RUN_MAX = 0x1FFF  # 13-bit run length
ONE_BIT_SYMBOLS = 14
TWO_BIT_SYMBOLS = 7
STATUS_COUNT_MAX = 0xFFFF


def delta_status(delta: int | None) -> int:
    """The status symbol for a receive delta in 250 us ticks (None: not received)."""
    if delta is None:
        return NOT_RECEIVED
    if 0 <= delta <= SMALL_MAX:
        return SMALL_DELTA
    if LARGE_MIN <= delta <= LARGE_MAX:
        return LARGE_DELTA
    raise ValueError(f"a receive delta of {delta} ticks does not fit 16 signed bits")


def encode_chunks(statuses: Sequence[int]) -> list[int]:
    """The packet chunks for ``statuses``: a run-length chunk for a run of 14 or more (or one
    that ends the list), else a one-bit vector when the next 14 hold no large delta, else a
    two-bit vector of 7. A vector's symbols past the end are zero (the status count ends it)."""
    chunks = []
    at = 0
    while at < len(statuses):
        symbol = statuses[at]
        run = 1
        while at + run < len(statuses) and statuses[at + run] == symbol and run < RUN_MAX:
            run += 1
        if run >= ONE_BIT_SYMBOLS or at + run == len(statuses):
            chunks.append(symbol << 13 | run)
            at += run
            continue
        window = statuses[at:at + ONE_BIT_SYMBOLS]
        if LARGE_DELTA not in window:
            bits = 0
            for n, status in enumerate(window):
                bits |= status << (ONE_BIT_SYMBOLS - 1 - n)
            chunks.append(0x8000 | bits)
            at += ONE_BIT_SYMBOLS
        else:
            bits = 0
            for n, status in enumerate(statuses[at:at + TWO_BIT_SYMBOLS]):
                bits |= status << (2 * (TWO_BIT_SYMBOLS - 1 - n))
            chunks.append(0xC000 | bits)
            at += TWO_BIT_SYMBOLS
    return chunks


@dataclass(frozen=True)
class TransportFeedback:
    """One feedback packet. ``deltas[i]`` is for sequence number ``base_sequence + i``: its
    receive delta in 250 us ticks, or None when not received; the first received one's is from
    ``reference_time`` (in 64 ms), each next from the received one before it."""

    sender_ssrc: int
    media_ssrc: int
    base_sequence: int  # 16 bits
    reference_time: int  # 64 ms units; written as 24 bits (it wraps)
    feedback_count: int  # written as 8 bits (it wraps)
    deltas: tuple[int | None, ...]

    def __bytes__(self) -> bytes:
        if not 0 < len(self.deltas) <= STATUS_COUNT_MAX:
            raise ValueError(f"a feedback packet reports 1 to {STATUS_COUNT_MAX} packets, "
                             f"not {len(self.deltas)}")
        statuses = [delta_status(delta) for delta in self.deltas]
        body = struct.pack("!IIHHI", self.sender_ssrc, self.media_ssrc,
                           self.base_sequence & 0xFFFF, len(self.deltas),
                           (self.reference_time & 0xFFFFFF) << 8 | (self.feedback_count & 0xFF))
        body += b"".join(struct.pack("!H", chunk) for chunk in encode_chunks(statuses))
        for delta, status in zip(self.deltas, statuses):
            if status == SMALL_DELTA:
                body += struct.pack("!B", delta)
            elif status == LARGE_DELTA:
                body += struct.pack("!h", delta)
        body += bytes(-len(body) % 4)
        length_words = (4 + len(body)) // 4 - 1
        return struct.pack("!BBH", 0x80 | FMT_TRANSPORT_CC, RTCP_RTPFB, length_words) + body
