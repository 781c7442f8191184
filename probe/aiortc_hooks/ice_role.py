"""The ICE role of a peer that gathers before it knows whether it offers or answers.

A WHEP client gathers and sends its offer before any description is applied (the server may
answer with its own offer instead, and aiortc has no rollback; ``probe.signaling.whep``). aiortc
sets the ICE role only when a description is applied, so until then aioice would answer the
server's early connectivity checks as "controlled" and the two agents repair the role conflict
(RFC 8445 section 7.3.1.1) only to have aiortc overwrite the role afterwards: measured, a
connection that never nominated a pair. ``set_role`` sets it as applying the description will
(controlling for our offer, controlled for an answer to the server's), before the POST.
"""

from __future__ import annotations

from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

HOOK = Hook(
    name="ice_role",
    without_it="a WHEP server that checks connectivity before its answer arrives can leave the "
               "connection without a nominated pair (no connection within --timeout)",
    internals=(Internal("aiortc.rtcicetransport.RTCIceTransport", "_connection", "field"),
               Internal("aiortc.rtcicetransport.RTCIceTransport", "_role_set", "field"),
               Internal("aioice.ice.Connection", "ice_controlling", "field"),
               Internal("aiortc.rtcpeerconnection.RTCPeerConnection.setLocalDescription",
                        "_role_set", "called"),
               Internal("aiortc.rtcpeerconnection.RTCPeerConnection.setRemoteDescription",
                        "_role_set", "called")),
)


def set_role(pc: RTCPeerConnection, controlling: bool, log: HookLog) -> bool:
    """Give every ICE transport of ``pc`` the role, and mark it set so that aiortc keeps it;
    False (noted in ``log``) when aiortc's internals differ."""
    done = True
    for transceiver in pc.getTransceivers():
        ice = transceiver.receiver.transport.transport
        if not log.require(HOOK, ice, "_connection", "_role_set"):
            return False
        ice._connection.ice_controlling = controlling
        ice._role_set = True
        done &= ice._connection.ice_controlling is controlling
    return done
