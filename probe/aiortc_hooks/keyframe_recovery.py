"""Recover from unrepairable packet loss the way a browser does: skip the gap, ask for a keyframe.

aiortc's video jitter buffer waits at a missing packet until 512 newer packets have arrived
(seconds at a few Mbps) before it skips the gap, so after a 0.5 s outage an aiortc viewer stays
frozen for about 3 s where Chromium freezes for the outage plus a keyframe round trip. The probe
must see what a viewer sees, so it follows libwebrtc's policy instead. On joining, nothing is
decoded before a keyframe, and the first packet of anything else asks for one. When the packet
at the buffer has not released a frame for ``GAP_WAIT_MS`` (enough for a NACK retransmission to
arrive) and a packet is missing in it, drop what is buffered, send a PLI, and decode nothing
until a keyframe starts (libwebrtc never decodes a frame whose references are lost; it shows the
last frame).
While waiting, the packets of the newest frame are kept, so a keyframe whose first packet
arrives behind later ones (reordering) is still whole.

This reaches into one receiver instance (its jitter buffer, NACK generator and codec table);
``HOOK`` names every private name it relies on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc.codecs import depayload

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

# Longer than a NACK round trip on the links we impair (delay up to 500 ms each way is tested
# with outages, not with loss), shorter than any freeze worth reporting.
GAP_WAIT_MS = 250.0
# While waiting for a keyframe, ask again this often (libwebrtc repeats its requests too), so a
# lost request or a lost keyframe does not leave the viewer frozen until the next periodic one.
KEYFRAME_RETRY_MS = 200.0
RTX_HEADER_BYTES = 2  # original sequence number (RFC 4588)
VP8_START_OF_PARTITION = 0x10
H264_KEY_NAL_TYPES = {5, 7}  # IDR slice, sequence parameter set

RECEIVER = "aiortc.rtcrtpreceiver.RTCRtpReceiver"
BUFFER = "aiortc.jitterbuffer.JitterBuffer"
NACKS = "aiortc.rtcrtpreceiver.NackGenerator"
HOOK = Hook(
    name="keyframe_recovery",
    without_it="after a loss the viewer waits for 512 newer packets, not for a keyframe as a "
               "browser does: freezes read seconds longer than a viewer sees them",
    internals=(Internal(RECEIVER, "_RTCRtpReceiver__jitter_buffer", "field"),
               Internal(RECEIVER, "_RTCRtpReceiver__codecs", "field"),
               Internal(RECEIVER, "_RTCRtpReceiver__nack_generator", "field"),
               Internal(RECEIVER, "_handle_rtp_packet"), Internal(RECEIVER, "_send_rtcp_pli"),
               Internal(BUFFER, "_origin", "field"), Internal(BUFFER, "_packets", "field"),
               Internal(BUFFER, "capacity"), Internal(BUFFER, "remove"),
               Internal(NACKS, "missing", "field"), Internal(NACKS, "max_seq", "field")),
)


def _starts_keyframe(codec: Any, payload: bytes, codecs: dict[int, Any]) -> bool:
    """True when an RTP payload begins a keyframe (VP8: RFC 7741; H.264: RFC 6184).

    A retransmission (RTX) is looked at through its original payload type.
    """
    if codec is not None and codec.name == "rtx":
        codec = codecs.get(codec.parameters.get("apt"))
        payload = payload[RTX_HEADER_BYTES:]
    if codec is None or not payload or codec.name not in ("VP8", "H264"):
        return False
    if codec.name == "VP8" and not payload[0] & VP8_START_OF_PARTITION:
        return False
    data = depayload(codec, payload)
    if codec.name == "VP8":
        return bool(data) and not data[0] & 0x01  # VP8 frame tag: P bit 0 = key frame
    return any(nal and (nal[0] & 0x1F) in H264_KEY_NAL_TYPES
               for nal in data.split(b"\x00\x00\x00\x01"))


def _media_sequence_number(packet: Any, codec: Any) -> int:
    """The packet's sequence number in the media stream (a retransmission carries the original)."""
    if codec is not None and codec.name == "rtx":
        return int.from_bytes(packet.payload[:RTX_HEADER_BYTES], "big")
    return int(packet.sequence_number)


class _Recovery:
    def __init__(self, receiver: RTCRtpReceiver, buffer: Any, codecs: dict[int, Any]) -> None:
        self._receiver = receiver
        self._nacks = getattr(receiver, "_RTCRtpReceiver__nack_generator", None)
        self._buffer = buffer
        self._codecs = codecs
        self._progress_s = time.monotonic()
        self._progress_origin: int | None = None
        # A viewer joins mid-stream: nothing decodes until a keyframe, and its first packet of a
        # delta frame asks for one at once (libwebrtc's RtpVideoStreamReceiver2 requests a key
        # frame when the first frame it completes is not one), not only when the sender happens
        # to send one.
        self.awaiting_keyframe = True
        self._awaited_timestamp: int | None = None  # the frame whose packets are kept meanwhile
        self._requested_s = 0.0

    def _hole_before(self, sequence_number: int) -> bool:
        """A packet is missing between the buffer's head and ``sequence_number``."""
        origin = self._buffer._origin
        if origin is None:
            return False
        span = (sequence_number - origin) % (1 << 16)
        capacity = self._buffer.capacity
        return span < capacity and any(self._buffer._packets[(origin + i) % capacity] is None
                                       for i in range(span))

    def _clear(self) -> None:
        """Drop the buffered packets and stop asking for the ones given up on (as libwebrtc
        clears its NACK list at a keyframe): late retransmissions of them would otherwise land far
        behind the new head and make aiortc reset its buffer again."""
        if self._buffer._origin is not None:  # else empty (aiortc's remove needs an origin)
            self._buffer.remove(self._buffer.capacity)
            self._buffer._origin = None
        if self._nacks is not None:
            self._nacks.missing.clear()

    def _stale_retransmission(self, packet: Any, codec: Any) -> bool:
        """A retransmission (RTX) of a packet older than the buffer's head: given up on."""
        origin = self._buffer._origin
        if origin is None or codec is None or codec.name != "rtx":
            return False
        if len(packet.payload) < RTX_HEADER_BYTES:
            return True
        return 0 < (origin - _media_sequence_number(packet, codec)) % (1 << 16) < (1 << 15)

    def note_progress(self, now_s: float) -> None:
        """Note the time when a frame has left the buffer (its head moved): it is not stuck."""
        origin = self._buffer._origin
        if origin != self._progress_origin:
            self._progress_origin, self._progress_s = origin, now_s

    async def before(self, packet: Any) -> bool:
        """Runs before aiortc handles ``packet``: skip stuck gaps, hold frames until a keyframe.

        Returns False when aiortc should not see the packet at all (a stale retransmission).
        """
        now_s = time.monotonic()
        self.note_progress(now_s)
        codec = self._codecs.get(packet.payload_type)
        if self._stale_retransmission(packet, codec):
            return False
        if self.awaiting_keyframe:
            if packet.timestamp != self._awaited_timestamp:  # a new frame: drop the last one
                self._clear()
                self._awaited_timestamp = packet.timestamp
            if _starts_keyframe(codec, packet.payload, self._codecs):
                self.awaiting_keyframe = False
                # Its later packets may be in already: the buffer starts at this one.
                self._buffer._origin = _media_sequence_number(packet, codec)
            elif (now_s - self._requested_s) * 1000.0 > KEYFRAME_RETRY_MS:
                await self._request_keyframe(packet.ssrc, now_s)
            return True
        stuck_ms = (now_s - self._progress_s) * 1000.0
        if stuck_ms > GAP_WAIT_MS and self._hole_before(packet.sequence_number):
            self._clear()
            if self._nacks is not None and codec is not None and codec.name != "rtx":
                # The hole is given up on: do not let aiortc NACK it on this packet either.
                self._nacks.max_seq = (packet.sequence_number - 1) % (1 << 16)
            if not _starts_keyframe(codec, packet.payload, self._codecs):
                # A keyframe starting right here (a periodic one) needs no request.
                self.awaiting_keyframe = True
                self._awaited_timestamp = packet.timestamp
                await self._request_keyframe(packet.ssrc, now_s)
        return True

    async def _request_keyframe(self, media_ssrc: int, now_s: float) -> None:
        self._requested_s = now_s
        await self._receiver._send_rtcp_pli(media_ssrc)


def install(receiver: RTCRtpReceiver, log: HookLog) -> Callable[[], bool] | None:
    """Give a video receiver libwebrtc-like gap recovery. Returns whether it is waiting for a
    keyframe (no frame may leave the buffer meanwhile), or None (noted in ``log``) when aiortc's
    internals differ."""
    if not log.require(HOOK, receiver, "_RTCRtpReceiver__jitter_buffer", "_RTCRtpReceiver__codecs",
                       "_handle_rtp_packet", "_send_rtcp_pli"):
        return None
    buffer = receiver._RTCRtpReceiver__jitter_buffer  # type: ignore[attr-defined]
    if not log.require(HOOK, buffer, "_packets", "_origin", "capacity", "remove"):
        return None
    recovery = _Recovery(receiver, buffer, receiver._RTCRtpReceiver__codecs)  # type: ignore[attr-defined]
    handle_rtp = receiver._handle_rtp_packet

    async def recovering_rtp(packet: Any, arrival_time_ms: int) -> None:
        if await recovery.before(packet):
            await handle_rtp(packet, arrival_time_ms)
            # A frame released by this packet counts as progress now, not at the next packet
            # (which may come only after an outage).
            recovery.note_progress(time.monotonic())

    if not log.replace(HOOK, receiver, "_handle_rtp_packet", recovering_rtp):
        return None
    return lambda: recovery.awaiting_keyframe
