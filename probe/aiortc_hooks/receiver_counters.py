"""Counters aiortc's receiver does not report: bytes received, loss before and after repair,
retransmissions, NACKs and PLIs sent.

aiortc's ``inbound-rtp`` stats carry packets received/lost and jitter only, and with RTX
negotiated one receiver's media and RTX streams share one stats id, so the RTX stream's
figures can replace the media stream's. We wrap three methods of one ``RTCRtpReceiver``
instance (``_handle_rtp_packet``, ``_send_rtcp_nack``, ``_send_rtcp_pli``); the wrappers count
and then call the original, so receiving is unchanged. Packets are told apart by SSRC with the
receiver's RTX map (``__rtx_ssrc``: RTX SSRC to media SSRC); an RTX packet's first two payload
bytes are the original sequence number (RFC 4588). Bytes are payload bytes, padding excluded
(webrtc-stats bytesReceived).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCRtpReceiver

from metrics.loss import LossCounts, SequenceLoss
from probe.aiortc_hooks.gate import Hook, HookLog, Internal

RECEIVER = "aiortc.rtcrtpreceiver.RTCRtpReceiver"
HOOK = Hook(
    name="receiver_counters",
    without_it="bitrate, NACK and PLI counts are not measured",
    internals=(Internal(RECEIVER, "_handle_rtp_packet"), Internal(RECEIVER, "_send_rtcp_nack"),
               Internal(RECEIVER, "_send_rtcp_pli"),
               Internal("aiortc.rtcdtlstransport.RTCDtlsTransport._handle_rtp_data",
                        "_handle_rtp_packet", "called"),
               Internal(RECEIVER, "_RTCRtpReceiver__rtx_ssrc", "field")),
)
KEYFRAME_REQUEST_MERGE_S = 1.0  # the probe repeats an unanswered PLI every 200 ms
PENDING_EVENTS_KEPT = 64


@dataclass
class ReceiverCounters:
    """Cumulative counters of one receiver."""

    bytes_received: int = 0
    packets_received: int = 0
    nacks: int = 0  # NACK feedback messages sent
    plis: int = 0  # picture loss indications sent
    streams: dict[int, SequenceLoss] = field(default_factory=dict)  # by media SSRC
    # Timeline events not yet handed on, (monotonic s, kind, detail): a new media SSRC after
    # another ("ssrc_change"), a keyframe asked for ("keyframe_request": a PLI; PLIs less
    # than KEYFRAME_REQUEST_MERGE_S after the previous one are its repeats, not new requests).
    # Bounded: the viewer drains it every second, and past PENDING_EVENTS_KEPT the oldest go.
    pending_events: deque[tuple[float, str, str]] = field(
        default_factory=lambda: deque(maxlen=PENDING_EVENTS_KEPT))
    _last_pli_s: float = float("-inf")  # monotonic

    def loss(self) -> LossCounts:
        """Loss counts over every media SSRC this receiver has seen."""
        return sum((s.counts() for s in self.streams.values()), LossCounts())

    def drain_events(self, first_frame_s: float | None) -> list[tuple[float, str, str]]:
        """The events seen since the last call, oldest first. A keyframe request before
        ``first_frame_s`` (monotonic s; None: no frame yet) is the one a viewer sends on joining
        mid-stream: counted in ``plis``, but no picture was lost, so it is not an event."""
        events = [event for event in self.pending_events
                  if event[1] != "keyframe_request"
                  or (first_frame_s is not None and event[0] >= first_frame_s)]
        self.pending_events.clear()
        return events

    def pli_sent(self, now_s: float) -> None:
        """Account one PLI sent at ``now_s`` (monotonic s)."""
        self.plis += 1
        if now_s - self._last_pli_s >= KEYFRAME_REQUEST_MERGE_S:
            self.pending_events.append((now_s, "keyframe_request",
                                        "PLI sent: the picture was lost, a keyframe asked for"))
        self._last_pli_s = now_s


def install(receiver: RTCRtpReceiver, log: HookLog) -> ReceiverCounters | None:
    """Start counting on ``receiver``; returns the live counters, or None (noted in ``log``)
    when aiortc's internals differ."""
    names = ("_handle_rtp_packet", "_send_rtcp_nack", "_send_rtcp_pli")
    if not log.require(HOOK, receiver, *names, "_RTCRtpReceiver__rtx_ssrc"):
        return None
    counters = ReceiverCounters()
    handle_rtp, send_nack, send_pli = (getattr(receiver, name) for name in names)
    rtx_ssrc: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]

    async def counted_rtp(packet: Any, arrival_time_ms: int) -> None:
        counters.packets_received += 1
        counters.bytes_received += len(packet.payload)
        media_ssrc = rtx_ssrc.get(packet.ssrc)
        if media_ssrc is None:
            if packet.ssrc not in counters.streams and counters.streams:
                counters.pending_events.append((
                    time.monotonic(), "ssrc_change",
                    f"SSRC {next(reversed(counters.streams))} -> {packet.ssrc}"))
            counters.streams.setdefault(packet.ssrc, SequenceLoss()).first_transmission(
                packet.sequence_number)
        elif len(packet.payload) >= 2:  # shorter: RTX padding, no packet in it
            counters.streams.setdefault(media_ssrc, SequenceLoss()).retransmission(
                int.from_bytes(packet.payload[:2], "big"))
        await handle_rtp(packet, arrival_time_ms)

    async def counted_nack(media_ssrc: int, lost: list[int]) -> None:
        counters.nacks += 1
        await send_nack(media_ssrc, lost)

    async def counted_pli(media_ssrc: int) -> None:
        counters.pli_sent(time.monotonic())
        await send_pli(media_ssrc)

    replaced = [log.replace(HOOK, receiver, name, wrapper) for name, wrapper in
                zip(names, (counted_rtp, counted_nack, counted_pli))]
    return counters if all(replaced) else None
