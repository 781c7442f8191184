"""Transport-wide congestion feedback from aiortc's receivers, as a browser's receiver sends it.

aiortc negotiates neither the transport-wide sequence number header extension nor the
``transport-cc`` RTCP feedback, and sends REMB only; a libwebrtc sender then stays near its
start rate (about a sixth of what it sends Chromium). Two patches, for the peer connections
that ask:

- ``negotiate(pc)``: while ``pc.createOffer`` and ``pc.setRemoteDescription`` run, aiortc's
  tables of header extensions and codecs (module globals of ``aiortc.rtcpeerconnection``) also
  hold the extension (audio and video) and ``a=rtcp-fb:* transport-cc`` (REMB, NACK and PLI
  stay). The tables are wrapped once; other peer connections see them unchanged.
- ``TransportFeedback.attach(receiver)``: every numbered packet a receiver gets is recorded in
  the connection's ``ArrivalLog`` (one per transport, shared by its receivers) at the time its
  datagram came off the socket (the ICE agent's ``data_received``, monotonic, microseconds:
  what a browser's receiver stamps; the time it reaches the receiver is later by however long
  it waited in aioice's queue and for decryption, which a busy event loop makes jittery, and
  the sender's delay-based estimator would read that jitter as congestion). At most every
  ``FEEDBACK_INTERVAL_S``, when a packet arrives, the log's feedback goes out through the
  receiver's RTCP path. A numbered packet then reaches aiortc without its abs-send-time, so it
  does not feed aiortc's REMB estimate: libwebrtc's receiver feeds each packet to one estimate,
  the sender's (transport-cc) when it is numbered, its own (REMB) only when not
  (``ReceiveSideCongestionController::OnReceivedPacket``). A libwebrtc sender caps its target
  at the REMB it gets, and aiortc's ramps slowly: with both, the probe got 0.36 x Chromium's
  bitrate from a libwebrtc WHEP server (bench/bench_browser_parity.py), with this 0.92.
"""

from __future__ import annotations

import contextvars
import dataclasses
import time
from typing import Any

import aiortc.rtcpeerconnection
from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpHeaderExtensionParameters

from probe.aiortc_hooks.gate import Hook, HookLog, Internal
from probe.congestion.arrivals import ArrivalLog

URI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
EXTENSION_ID = 5  # aiortc's own take 1-3; shared by audio and video under BUNDLE
FEEDBACK = RTCRtcpFeedback(type="transport-cc")
# libwebrtc's receiver reports every 50-250 ms (more often at higher rates); a browser at a
# megabit or more reports each 50 ms.
FEEDBACK_INTERVAL_S = 0.05
PC = "aiortc.rtcpeerconnection"
RECEIVER = "aiortc.rtcrtpreceiver.RTCRtpReceiver"
HOOK = Hook(
    name="transport_cc",
    without_it="no transport-wide congestion feedback is sent: a sender with send-side "
               "bandwidth estimation (libwebrtc) stays near its start rate",
    internals=(Internal(PC, "CODECS"), Internal(PC, "HEADER_EXTENSIONS"),
               Internal(f"{PC}.RTCPeerConnection.createOffer", "CODECS", "called"),
               Internal(f"{PC}.RTCPeerConnection.createOffer", "HEADER_EXTENSIONS", "called"),
               Internal(f"{PC}.RTCPeerConnection.setRemoteDescription", "CODECS", "called"),
               Internal(f"{PC}.RTCPeerConnection.setRemoteDescription", "HEADER_EXTENSIONS",
                        "called"),
               Internal("aiortc.rtp.HeaderExtensions", "transport_sequence_number"),
               Internal(RECEIVER, "_handle_rtp_packet"), Internal(RECEIVER, "_send_rtcp"),
               Internal(f"{RECEIVER}._handle_rtp_packet", "abs_send_time", "called"),
               Internal(RECEIVER, "_RTCRtpReceiver__rtcp_ssrc", "field"),
               Internal("aiortc.rtcdtlstransport.RTCDtlsTransport", "transport"),
               Internal("aiortc.rtcdtlstransport.RTCDtlsTransport._recv_next", "_recv",
                        "called"),
               Internal("aiortc.rtcicetransport.RTCIceTransport", "_recv", "field"),
               Internal("aiortc.rtcicetransport.RTCIceTransport", "_connection", "field"),
               Internal("aioice.ice.Connection", "data_received"),
               Internal("aioice.ice.StunProtocol.datagram_received", "data_received",
                        "called")),
)
_NEGOTIATING = contextvars.ContextVar("transport_cc_negotiating", default=False)


class _Table(dict):  # type: ignore[type-arg]
    """One of aiortc's per-kind tables; inside a hooked negotiation, with transport-cc too."""

    def __getitem__(self, kind: str) -> list[Any]:
        entries = super().__getitem__(kind)
        return self.extended(kind, entries) if _NEGOTIATING.get() else entries

    def extended(self, kind: str, entries: list[Any]) -> list[Any]:
        raise NotImplementedError


class _Codecs(_Table):
    def extended(self, kind: str, entries: list[Any]) -> list[Any]:
        return [codec if codec.mimeType.lower().endswith("/rtx") or FEEDBACK in codec.rtcpFeedback
                else dataclasses.replace(codec, rtcpFeedback=[*codec.rtcpFeedback, FEEDBACK])
                for codec in entries]


class _HeaderExtensions(_Table):
    def extended(self, kind: str, entries: list[Any]) -> list[Any]:
        if any(entry.uri == URI for entry in entries):
            return entries
        return [*entries, RTCRtpHeaderExtensionParameters(id=EXTENSION_ID, uri=URI)]


def _wrap_tables() -> None:
    """Put the scoped tables in place of aiortc's (once per process)."""
    for name, table in (("CODECS", _Codecs), ("HEADER_EXTENSIONS", _HeaderExtensions)):
        current = getattr(aiortc.rtcpeerconnection, name)
        if not isinstance(current, table):
            setattr(aiortc.rtcpeerconnection, name, table(current))


def negotiate(pc: RTCPeerConnection, log: HookLog) -> bool:
    """Make ``pc`` offer and answer the transport-wide sequence number extension and
    ``transport-cc`` feedback; False (noted in ``log``) when aiortc's internals differ. Call
    before its first offer or remote description."""
    missing = [internal for internal in HOOK.internals[:6] if not internal.present()]
    if missing:
        log.fail(HOOK, f"{missing[0]} is missing")
        return False
    _wrap_tables()
    replaced = []
    for name in ("createOffer", "setRemoteDescription"):
        original = getattr(pc, name)

        async def scoped(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            token = _NEGOTIATING.set(True)
            try:
                return await _original(*args, **kwargs)
            finally:
                _NEGOTIATING.reset(token)

        replaced.append(log.replace(HOOK, pc, name, scoped))
    return all(replaced)


class _Stamped(bytes):
    """A datagram as the ICE agent queues it, with the time it came off the socket."""

    arrival_ns: int


class TransportFeedback:
    """The transport-cc feedback of one peer connection's receivers (one BUNDLE transport)."""

    def __init__(self, log: HookLog, interval_s: float = FEEDBACK_INTERVAL_S) -> None:
        self.arrivals = ArrivalLog()
        self.sent = 0  # feedback packets sent
        self._log = log
        self._interval_ns = int(interval_s * 1e9)
        self._last_sent_ns = 0
        self._stamped: set[int] = set()  # ids of the ICE transports stamping arrivals
        self._datagram_ns: int | None = None  # arrival of the datagram being handled

    def _stamp_arrivals(self, receiver: RTCRtpReceiver) -> None:
        """Stamp each datagram of ``receiver``'s ICE transport as the ICE agent takes it off
        the socket, and note the stamp of the one the DTLS transport handles (it handles one
        at a time, from ``_recv`` to the receiver)."""
        ice = getattr(receiver.transport, "transport", None)
        if ice is None or id(ice) in self._stamped or \
                not self._log.require(HOOK, ice, "_recv", "_connection"):
            return
        connection = ice._connection
        if not self._log.require(HOOK, connection, "data_received"):
            return
        queue_datagram, receive = connection.data_received, ice._recv

        def stamped(data: bytes, component: int) -> None:
            datagram = _Stamped(data)
            datagram.arrival_ns = time.monotonic_ns()
            queue_datagram(datagram, component)

        async def received() -> bytes:
            data = await receive()
            self._datagram_ns = getattr(data, "arrival_ns", None)
            return data

        if self._log.replace(HOOK, connection, "data_received", stamped) and \
                self._log.replace(HOOK, ice, "_recv", received):
            self._stamped.add(id(ice))

    def attach(self, receiver: RTCRtpReceiver) -> bool:
        """Record ``receiver``'s numbered packets and send the feedback through it; False
        (noted in the log) when aiortc's internals differ."""
        if not self._log.require(HOOK, receiver, "_handle_rtp_packet", "_send_rtcp",
                                 "_RTCRtpReceiver__rtcp_ssrc"):
            return False
        self._stamp_arrivals(receiver)
        handle_rtp = receiver._handle_rtp_packet

        async def recorded(packet: Any, arrival_time_ms: int) -> None:
            now_ns = time.monotonic_ns()
            sequence = packet.extensions.transport_sequence_number
            if sequence is not None:
                arrival_ns = self._datagram_ns if self._datagram_ns is not None else now_ns
                self.arrivals.record(sequence, arrival_ns // 1000)
                # For the sender's estimate only, not aiortc's REMB (see the module's notes).
                packet.extensions.abs_send_time = None
            await handle_rtp(packet, arrival_time_ms)
            if sequence is not None and now_ns - self._last_sent_ns >= self._interval_ns:
                await self._send(receiver, packet.ssrc, now_ns)

        return self._log.replace(HOOK, receiver, "_handle_rtp_packet", recorded)

    async def _send(self, receiver: RTCRtpReceiver, media_ssrc: int, now_ns: int) -> None:
        sender_ssrc = receiver._RTCRtpReceiver__rtcp_ssrc  # type: ignore[attr-defined]
        if sender_ssrc is None:  # aiortc sets it once the transport starts
            return
        self._last_sent_ns = now_ns
        for feedback in self.arrivals.feedback(sender_ssrc, media_ssrc):
            await receiver._send_rtcp(feedback)  # type: ignore[arg-type]  # bytes() of it is sent
            self.sent += 1


def install(pc: RTCPeerConnection, log: HookLog) -> TransportFeedback:
    """Negotiate transport-cc on ``pc`` (call before its first offer or remote description);
    returns the feedback its receivers are to be attached to (``attach``)."""
    negotiate(pc, log)
    return TransportFeedback(log)
