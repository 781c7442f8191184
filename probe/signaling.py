"""Signaling adapters: how a peer connection gets its session description from a server.

Every protocol (WHEP, WHIP, the built-in room, later Janus) is one module implementing
``Signaling``; ``open_viewer_signaling`` picks the adapter from the URL, so a new platform is one
new module plus one line here.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from aiortc import RTCPeerConnection

from metrics.report import Protocol as ReportProtocol
from probe.errors import InputError


class Signaling(Protocol):
    """One signaling session for one peer connection."""

    protocol: ReportProtocol
    url: str

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Exchange descriptions so that ``pc`` can connect; raises ``SignalingError``."""

    async def close(self) -> None:
        """Release the server-side resource; idempotent, never raises, bounded in time."""


def open_viewer_signaling(url: str, token: str | None = None) -> Signaling:
    """The adapter that joins ``url`` as a viewer (``http(s)://``: WHEP)."""
    scheme = urlsplit(url).scheme
    if scheme in ("http", "https"):
        from probe.whep import WhepSession

        return WhepSession(url, token=token, protocol="whep")
    raise InputError(f"cannot probe {url!r}: unknown scheme {scheme or '(none)'!r}; "
                     "give a WHEP URL such as http://host:port/whep/stream")
