"""Counters aiortc's receiver does not report: bytes received, NACKs and PLIs sent.

aiortc's ``inbound-rtp`` stats carry packets received/lost and jitter only. We wrap three
methods of one ``RTCRtpReceiver`` instance (``_handle_rtp_packet``, ``_send_rtcp_nack``,
``_send_rtcp_pli``); the wrappers count and then call the original, so receiving is unchanged.
If a future aiortc renames them, ``instrument`` leaves the receiver alone and the figures stay null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiortc import RTCRtpReceiver


@dataclass
class ReceiverCounters:
    """Cumulative counters of one receiver."""

    bytes_received: int = 0
    packets_received: int = 0
    nacks: int = 0  # NACK feedback messages sent
    plis: int = 0  # picture loss indications sent
    instrumented: bool = False


def instrument(receiver: RTCRtpReceiver) -> ReceiverCounters:
    """Start counting on ``receiver``; returns the live counters."""
    counters = ReceiverCounters()
    names = ("_handle_rtp_packet", "_send_rtcp_nack", "_send_rtcp_pli")
    if not all(hasattr(receiver, name) for name in names):
        return counters
    handle_rtp, send_nack, send_pli = (getattr(receiver, name) for name in names)

    async def counted_rtp(packet: Any, arrival_time_ms: int) -> None:
        counters.packets_received += 1
        counters.bytes_received += len(packet.payload) + packet.padding_size
        await handle_rtp(packet, arrival_time_ms)

    async def counted_nack(media_ssrc: int, lost: list[int]) -> None:
        counters.nacks += 1
        await send_nack(media_ssrc, lost)

    async def counted_pli(media_ssrc: int) -> None:
        counters.plis += 1
        await send_pli(media_ssrc)

    receiver._handle_rtp_packet = counted_rtp  # type: ignore[method-assign]
    receiver._send_rtcp_nack = counted_nack  # type: ignore[method-assign]
    receiver._send_rtcp_pli = counted_pli  # type: ignore[method-assign]
    counters.instrumented = True
    return counters
