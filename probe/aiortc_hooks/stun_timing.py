"""Round-trip time from the ICE agent's own STUN transactions: connectivity and consent checks.

A receive-only viewer cannot compute the RTCP round trip (RFC 3550 section 6.4.1): the sender
does, from the viewer's receiver reports, and keeps it. What the viewer can time is its STUN
binding requests to the server's ICE agent: the connectivity checks at the start and the consent
checks (RFC 7675; aioice sends one every 4-6 s) after. This is how W3C webrtc-stats defines a
candidate pair's ``currentRoundTripTime`` too. Following Karn's rule, a transaction that may have
been retransmitted (open longer than aioice's first retransmission timeout) gives no sample,
since the answer could be to either copy.

It covers the network path to the server, not the media pipeline: a server (or
``--impair``, which leaves STUN alone) that delays media but not STUN does not show here.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from aioice import stun
from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal
from probe.aiortc_hooks.ice_sockets import ice_protocols

HOOK = Hook(
    name="stun_timing",
    without_it="the round-trip time (network.rtt_ms) is not measured",
    internals=(Internal("aioice.ice.StunProtocol", "request"), Internal("aioice.stun", "RETRY_RTO"),
               Internal("aioice.ice.Connection.check_start", "request", "called"),
               Internal("aioice.ice.Connection.query_consent", "request", "called")),
)


class StunRoundTrips:
    """Samples (ms) of the round trip of STUN transactions on one peer connection."""

    def __init__(self) -> None:
        self.samples_ms: list[float] = []
        self._wrapped: set[int] = set()

    def instrument(self, pc: RTCPeerConnection, log: HookLog) -> None:
        """Time every STUN transaction of ``pc``'s ICE connections from now on; call once
        gathering is complete (the candidates' sockets exist) and before checks start."""
        for protocol in ice_protocols(pc, log):
            if id(protocol) not in self._wrapped and log.require(HOOK, protocol, "request"):
                self._wrapped.add(id(protocol))
                self._wrap(protocol, log)

    def _wrap(self, protocol: Any, log: HookLog) -> None:
        request = protocol.request

        async def timed_request(message: stun.Message, addr: tuple[str, int],
                                *args: Any, **kwargs: Any) -> Any:
            sent_s = time.monotonic()
            response = await request(message, addr, *args, **kwargs)
            elapsed_s = time.monotonic() - sent_s
            if elapsed_s < stun.RETRY_RTO:  # Karn: never retransmitted, so unambiguous
                self.samples_ms.append(elapsed_s * 1000.0)
            return response

        log.replace(HOOK, protocol, "request", timed_request)

    @property
    def rtt_ms(self) -> float | None:
        """Median round trip (ms) over the samples so far, or None before the first."""
        return float(np.median(self.samples_ms)) if self.samples_ms else None
