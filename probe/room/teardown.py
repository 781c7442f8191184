"""Closing a peer connection whatever state a failed negotiation left it in.

``RTCPeerConnection.close`` (aiortc 1.16) stops every transceiver's transport in turn and
raises ``AttributeError`` on one that an offer rejected half-way left without a transport
(found by tests/probe/room/test_room_fuzz.py); the transports after it, and the ICE sockets,
stay open. ``close_peer`` then stops each remaining transport through the public API.
"""

from __future__ import annotations

import contextlib
import logging

from aiortc import RTCPeerConnection

log = logging.getLogger(__name__)


async def close_peer(pc: RTCPeerConnection) -> None:
    """Close ``pc``; if aiortc's own close fails, stop its transports one by one."""
    try:
        await pc.close()
        return
    except Exception as err:  # noqa: BLE001 - any failure: fall back to closing piecewise
        log.debug("peer close failed (%s: %s); stopping its transports one by one",
                  type(err).__name__, err)
    dtls_transports = {id(t): t for transceiver in pc.getTransceivers()
                       for t in (transceiver.sender.transport, transceiver.receiver.transport)
                       if t is not None}
    if pc.sctp is not None:
        dtls_transports[id(pc.sctp.transport)] = pc.sctp.transport
    for dtls in dtls_transports.values():
        # Teardown of what is left: one transport that cannot stop must not keep the others.
        with contextlib.suppress(Exception):
            await dtls.stop()
        with contextlib.suppress(Exception):
            await dtls.transport.stop()
