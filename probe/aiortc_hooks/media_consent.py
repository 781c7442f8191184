"""Media from a publisher counts as its consent: the room keeps publishers that ignore RFC 7675.

aioice ends an ICE connection when six consent checks in a row (RFC 7675, one every 4-6 s)
go unanswered (``Connection.query_consent``). FFmpeg's WHIP muxer answers none, so the room
dropped its publishers after about 35 s while their media still arrived. Consent protects a
peer from traffic it did not ask for; a publisher still sending us media authenticated by the
DTLS keys plainly wants the session, and the room sends it nothing but RTCP. ``MediaConsent``
lets an unanswered consent check pass while media arrived in the last ``MEDIA_CONSENT_S`` on
that connection; with neither, the connection expires as aioice would. Scoped to the peer
connections it is installed on: the room's WHIP publishers.
"""

from __future__ import annotations

import time
from typing import Any

import aioice.ice
from aioice import stun
from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal
from probe.aiortc_hooks.ice_sockets import ice_protocols

HOOK = Hook(
    name="media_consent",
    without_it="a WHIP publisher that does not answer consent checks (FFmpeg) is dropped after "
               "about 35 s",
    internals=(Internal("aiortc.rtcicetransport.RTCIceTransport", "_connection", "field"),
               Internal("aioice.ice.Connection", "data_received"),
               Internal("aioice.ice.StunProtocol.datagram_received", "data_received", "called"),
               Internal("aioice.ice.StunProtocol", "request"),
               Internal("aioice.ice.Connection.query_consent", "request", "called"),
               Internal("aioice.ice.Connection.query_consent", "TransactionError", "called"),
               Internal("aioice.ice", "CONSENT_INTERVAL")),
)
# Media this recent stands in for an answered consent check: two check intervals.
MEDIA_CONSENT_S = 2.0 * aioice.ice.CONSENT_INTERVAL


class MediaConsent:
    """When media last arrived on one peer connection, and its consent checks that lean on it."""

    def __init__(self) -> None:
        self.last_media_s = time.monotonic()
        self.checks_passed_by_media = 0

    def install(self, pc: RTCPeerConnection, log: HookLog) -> bool:
        """Install on ``pc``'s ICE connections; call once gathering is complete and before the
        connection starts (consent checks begin once it is connected). False, noted in ``log``,
        when aioice's internals differ."""
        installed = True
        connections = {id(c): c for c in _connections(pc, log)}
        for connection in connections.values():
            installed &= self._stamp_media(connection, log)
        for protocol in ice_protocols(pc, log):
            installed &= log.require(HOOK, protocol, "request") and self._lean_on_media(protocol,
                                                                                         log)
        return installed and bool(connections)

    def _stamp_media(self, connection: Any, log: HookLog) -> bool:
        data_received = connection.data_received

        def stamped(data: bytes, component: int) -> None:
            self.last_media_s = time.monotonic()
            data_received(data, component)

        return log.replace(HOOK, connection, "data_received", stamped)

    def _lean_on_media(self, protocol: Any, log: HookLog) -> bool:
        request = protocol.request

        async def consent_by_media(message: stun.Message, addr: tuple[str, int], *args: Any,
                                   **kwargs: Any) -> Any:
            try:
                return await request(message, addr, *args, **kwargs)
            except stun.TransactionError:
                # Consent checks are the only requests aioice sends without retransmissions.
                consent_check = kwargs.get("retransmissions") == 0
                if consent_check and time.monotonic() - self.last_media_s < MEDIA_CONSENT_S:
                    self.checks_passed_by_media += 1
                    return None
                raise

        return log.replace(HOOK, protocol, "request", consent_by_media)


def _connections(pc: RTCPeerConnection, log: HookLog) -> list[Any]:
    found = []
    for transceiver in pc.getTransceivers():
        ice = getattr(transceiver.receiver.transport, "transport", None)
        if ice is not None and log.require(HOOK, ice, "_connection"):
            found.append(ice._connection)
    return found
