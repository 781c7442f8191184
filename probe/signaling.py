"""Signaling adapters: how a peer connection gets its session description from a server.

Every protocol (WHEP, WHIP, the built-in room, Janus) is one module implementing ``Signaling``;
``open_viewer_signaling`` and ``open_publisher_signaling`` pick the adapter from the URL, so a new
platform is one new module plus one branch here.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from aiortc import RTCPeerConnection

from metrics.report import Protocol as ReportProtocol
from probe.errors import InputError, ProbeError


class Signaling(Protocol):
    """One signaling session for one peer connection."""

    protocol: ReportProtocol
    url: str
    # Set when the server ends the session during the run (e.g. Janus's session timeout).
    failure: ProbeError | None

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Exchange descriptions so that ``pc`` can connect; raises ``SignalingError``."""

    async def close(self) -> None:
        """Release the server-side resource; idempotent, never raises, bounded in time."""


def open_viewer_signaling(url: str, token: str | None = None) -> Signaling:
    """The adapter that joins ``url`` as a viewer (``http(s)://``: WHEP; ``janus://``: Janus)."""
    return _open(url, token, publish=False)


def open_publisher_signaling(url: str, token: str | None = None) -> Signaling:
    """The adapter that publishes to ``url`` (``http(s)://``: WHIP; ``janus://``: Janus)."""
    return _open(url, token, publish=True)


def _open(url: str, token: str | None, publish: bool) -> Signaling:
    scheme = urlsplit(url).scheme
    if scheme in ("http", "https"):
        from probe.whep import WhepSession

        return WhepSession(url, token=token, protocol="whep")
    if scheme.startswith("janus"):
        from probe.janus import JanusPublisher, JanusViewer

        return (JanusPublisher if publish else JanusViewer)(url, token=token)
    action, endpoint = ("publish to", "WHIP") if publish else ("probe", "WHEP")
    raise InputError(f"cannot {action} {url!r}: unknown scheme {scheme or '(none)'!r}; give a "
                     f"{endpoint} URL such as http://host:port/{endpoint.lower()}/stream or a "
                     "Janus room such as janus://host:8088/1234")
