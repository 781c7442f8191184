"""The UDP sockets under a peer connection's ICE agent, for what aiortc has no option for.

aiortc exposes neither socket options nor a per-datagram hook; its ICE agent (aioice) keeps one
protocol, one UDP socket, per gathered candidate in ``Connection._protocols``. The probe reaches
them to time STUN transactions (``probe.aiortc_hooks.stun_timing``), to impair what the room sends
(``probe.aiortc_hooks.send_path``), and to size and watch the viewer's receive buffers
(``probe.viewer.sockets``).
"""

from __future__ import annotations

import socket
from typing import Any

from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

HOOK = Hook(
    name="ice_sockets",
    without_it="the ICE sockets are out of reach: no enlarged receive buffer, no count of the "
               "probe's own socket drops, no RTT, and --impair has no effect",
    internals=(Internal("aiortc.rtcdtlstransport.RTCDtlsTransport", "transport"),
               Internal("aiortc.rtcicetransport.RTCIceTransport", "_connection", "field"),
               Internal("aioice.ice.Connection", "_protocols", "field"),
               Internal("aioice.ice.StunProtocol.connection_made", "transport", "called")),
)


def ice_protocols(pc: RTCPeerConnection, log: HookLog) -> list[Any]:
    """Every aioice protocol (one UDP socket each) of ``pc``'s ICE transports, each once; empty
    (noted in ``log``) when aiortc's internals differ.

    Empty until ICE gathering is complete (the candidates' sockets exist from then on).
    """
    protocols: dict[int, Any] = {}
    for transceiver in pc.getTransceivers():
        ice = getattr(transceiver.receiver.transport, "transport", None)
        if ice is None or not log.require(HOOK, ice, "_connection"):
            continue
        if not log.require(HOOK, ice._connection, "_protocols"):
            continue
        for protocol in ice._connection._protocols:
            protocols.setdefault(id(protocol), protocol)
    return list(protocols.values())


def udp_sockets(pc: RTCPeerConnection, log: HookLog) -> list[socket.socket]:
    """The UDP sockets under ``pc``'s ICE protocols (empty before gathering is complete)."""
    transports = (protocol.transport for protocol in ice_protocols(pc, log))
    found = (t.get_extra_info("socket") for t in transports if t is not None)
    return [sock for sock in found if sock is not None]
