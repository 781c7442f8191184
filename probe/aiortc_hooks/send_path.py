"""Put a scheduler in front of every datagram a peer connection sends (user-space impairment).

aioice sends each DTLS/SRTP/SRTCP datagram through ``StunProtocol.send_data`` of the nominated
pair's protocol (``Connection.sendto``); STUN checks take another path (``request``), so an
impaired link keeps its ICE session alive. Every gathered protocol of the connection is wrapped,
whichever gets nominated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal
from probe.aiortc_hooks.ice_sockets import ice_protocols

SendData = Callable[[bytes, tuple[str, int]], Awaitable[None]]
HOOK = Hook(
    name="send_path",
    without_it="--impair has no effect on what the room sends",
    internals=(Internal("aioice.ice.StunProtocol", "send_data"),
               Internal("aioice.ice.Connection.sendto", "send_data", "called")),
)


def install(pc: RTCPeerConnection, wrap: Callable[[Any], SendData], log: HookLog) -> int:
    """Replace each ICE protocol's ``send_data`` of ``pc`` with ``wrap(protocol)``; call after
    ICE gathering (local description set). Returns how many protocols took the wrapper."""
    wrapped = 0
    for protocol in ice_protocols(pc, log):
        if log.require(HOOK, protocol, "send_data"):
            wrapped += log.replace(HOOK, protocol, "send_data", wrap(protocol))
    return wrapped
