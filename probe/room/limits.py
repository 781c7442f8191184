"""What the test room accepts from its clients: caps on sessions, streams, join rate and bodies.

A room on a shared host must survive a client that joins in a loop or sends garbage: every cap
here answers with a clear 4xx/503 before a peer connection or an encoder is created.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

# Stream names: URL-safe, short; no CR/LF or other characters that would end up in a header.
STREAM_NAME_RE = re.compile(r"[A-Za-z0-9._~-]{1,64}")


@dataclass(frozen=True)
class RoomLimits:
    """Caps of one room (counts; rates in joins per second; sizes in bytes)."""

    max_sessions: int = 256  # viewers and publishers, all streams
    max_sessions_per_stream: int = 64
    max_streams: int = 32
    joins_per_s: float = 20.0  # per client address, sustained
    join_burst: int = 40  # per client address, at once
    max_body_bytes: int = 64 * 1024  # an SDP offer is a few KiB
    clients_tracked: int = 4096  # the rate table forgets the longest-idle addresses past this


def valid_stream_name(name: str) -> bool:
    """True when ``name`` may name a stream (``STREAM_NAME_RE``)."""
    return STREAM_NAME_RE.fullmatch(name) is not None


class JoinRate:
    """A token bucket per client address: ``joins_per_s`` sustained, ``join_burst`` at once."""

    def __init__(self, limits: RoomLimits) -> None:
        self._rate = limits.joins_per_s
        self._burst = float(limits.join_burst)
        self._max_clients = limits.clients_tracked
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, monotonic s)

    def allow(self, address: str, now_s: float | None = None) -> bool:
        """Take one join from ``address``'s bucket; False when it is empty (answer 429)."""
        now_s = time.monotonic() if now_s is None else now_s
        tokens, last_s = self._buckets.pop(address, (self._burst, now_s))
        tokens = min(self._burst, tokens + (now_s - last_s) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[address] = (tokens - 1.0 if allowed else tokens, now_s)
        while len(self._buckets) > self._max_clients:  # dicts keep order: oldest first
            del self._buckets[next(iter(self._buckets))]
        return allowed

    def retry_after_s(self) -> int:
        """Whole seconds after which one more join is allowed (the ``Retry-After`` header)."""
        return max(1, round(1.0 / self._rate))

    @property
    def clients(self) -> int:
        return len(self._buckets)
