"""User-space network impairment of the real datagrams a peer connection sends (no netem here).

``impair_peer_connection`` wraps the send path of the peer connection's ICE transport: every
DTLS/SRTP/SRTCP datagram the room sends to one viewer passes a seeded scheduler that drops
(outages, Gilbert–Elliott loss), queues behind a bottleneck rate, and delays (delay + jitter)
before it really leaves on the socket. STUN connectivity checks are left alone (they take
another path in aioice), so an outage of a few seconds does not tear the ICE session down; the
media sees exactly what the spec says.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import random
from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection

from probe.aiortc_hooks import send_path
from probe.aiortc_hooks.gate import HookLog
from probe.aiortc_hooks.send_path import SendData
from probe.room.impair_spec import RATE_QUEUE_LIMIT_MS, ImpairSpec


class ImpairedLink:
    """The scheduler for one direction of one peer connection, seeded and reproducible."""

    def __init__(self, spec: ImpairSpec, loop: asyncio.AbstractEventLoop,
                 started_s: float | None = None) -> None:
        self.spec = spec
        self._loop = loop
        self._random = random.Random(spec.seed)
        # The outage schedule's zero (loop s): now, unless another link's is shared.
        self.started_s = loop.time() if started_s is None else started_s
        self._bad = False  # Gilbert–Elliott state
        # Gilbert–Elliott: leave the bad state with 1/burst; enter it so the mean loss is `loss`.
        self._p_leave_bad = 1.0 / spec.burst
        self._p_enter_bad = (spec.loss * self._p_leave_bad / (1.0 - spec.loss)
                             if spec.loss < 1.0 else 1.0)
        self._link_free_s = 0.0
        self._last_departure_s = 0.0
        # Datagrams waiting for their departure, in order: one timer drains them first in, first
        # out (separate timers at equal times may fire in any order and would reorder packets).
        self._queue: collections.deque[tuple[float, Callable[[], None]]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def _in_outage(self, now_s: float) -> bool:
        elapsed_s = now_s - self.started_s
        return any(o.start_s <= elapsed_s < o.start_s + o.duration_s for o in self.spec.outages)

    def _lost(self) -> bool:
        if self.spec.loss <= 0:
            return False
        if self._bad:
            self._bad = self._random.random() >= self._p_leave_bad
        else:
            self._bad = self._random.random() < self._p_enter_bad
        return self._bad

    def departure_s(self, size_bytes: int) -> float | None:
        """When a packet offered now leaves (loop time, s), or None when it is dropped."""
        now_s = self._loop.time()
        if self._in_outage(now_s):
            return None
        if self._lost():
            return None
        ready_s = now_s
        if self.spec.rate_kbps is not None:
            start_s = max(now_s, self._link_free_s)
            if (start_s - now_s) * 1000.0 > RATE_QUEUE_LIMIT_MS:
                return None
            self._link_free_s = start_s + size_bytes * 8 / (self.spec.rate_kbps * 1000.0)
            ready_s = self._link_free_s
        extra_ms = self.spec.delay_ms + self._random.uniform(0.0, self.spec.jitter_ms)
        departure_s = max(ready_s + extra_ms / 1000.0, self._last_departure_s)  # stay in order
        self._last_departure_s = departure_s
        return departure_s

    def _hold(self, departure_s: float, send: Callable[[], None]) -> None:
        self._queue.append((departure_s, send))
        if self._timer is None:
            self._timer = self._loop.call_at(departure_s, self._drain)

    def _drain(self) -> None:
        self._timer = None
        now_s = self._loop.time()
        while self._queue and self._queue[0][0] <= now_s:
            self._queue.popleft()[1]()
        if self._queue:
            self._timer = self._loop.call_at(self._queue[0][0], self._drain)

    def wrap(self, protocol: Any) -> SendData:
        """A ``send_data`` for an aioice protocol that applies this link before really sending."""
        send_data: SendData = protocol.send_data

        def fire(data: bytes, addr: tuple[str, int]) -> None:
            # A delayed datagram whose connection closed meanwhile is lost, as on a real link.
            if protocol.transport is not None and not protocol.transport.is_closing():
                protocol.transport.sendto(data, addr)

        async def impaired(data: bytes, addr: tuple[str, int]) -> None:
            departure_s = self.departure_s(len(data))
            if departure_s is None:
                return
            if departure_s <= self._loop.time() and not self._queue:
                await send_data(data, addr)
            else:
                self._hold(departure_s, functools.partial(fire, data, addr))

        return impaired


def impair_peer_connection(pc: RTCPeerConnection, spec: ImpairSpec, log: HookLog,
                           started_s: float | None = None) -> ImpairedLink:
    """Impair everything ``pc`` sends from now on; call after ICE gathering (local description
    set). Its outages count from ``started_s`` (loop s; None: now).
    ``probe.aiortc_hooks.send_path`` puts the link in front of the send path."""
    link = ImpairedLink(spec, asyncio.get_running_loop(), started_s)
    send_path.install(pc, link.wrap, log)
    return link
