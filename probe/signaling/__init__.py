"""Signaling adapters: how a peer connection gets its session description from a server.

Every protocol (WHEP, WHIP, the built-in room, Janus) is one module implementing ``Signaling``;
``open_viewer_signaling`` and ``open_publisher_signaling`` pick the adapter from the URL, so a new
platform is one new module plus one branch here.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from aiortc import RTCIceServer, RTCPeerConnection

from metrics.report import Protocol as ReportProtocol
from probe.errors import InputError, ProbeError


class Signaling(Protocol):
    """One signaling session for one peer connection."""

    protocol: ReportProtocol
    url: str
    # Set when the server ends the session during the run (e.g. Janus's session timeout).
    failure: ProbeError | None

    async def ice_servers(self, timeout_s: float) -> tuple[RTCIceServer, ...]:
        """The ICE servers the peer gathers with (the user's, then any the server names)."""

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Exchange descriptions so that ``pc`` can connect; raises ``SignalingError``."""

    async def close(self) -> None:
        """Release the server-side resource; idempotent, never raises, bounded in time."""

    def notes(self) -> tuple[str, ...]:
        """What the report should say about the exchange (redirects, unusable ICE servers)."""


def open_viewer_signaling(url: str, token: str | None = None,
                          ice_servers: tuple[RTCIceServer, ...] = ()) -> Signaling:
    """The adapter that joins ``url`` as a viewer (``http(s)://``: WHEP; ``janus://``: Janus),
    gathering with ``ice_servers`` (and any the server names)."""
    return _open(url, token, ice_servers, publish=False)


def open_publisher_signaling(url: str, token: str | None = None,
                             ice_servers: tuple[RTCIceServer, ...] = ()) -> Signaling:
    """The adapter that publishes to ``url`` (``http(s)://``: WHIP; ``janus://``: Janus)."""
    return _open(url, token, ice_servers, publish=True)


def _open(url: str, token: str | None, ice_servers: tuple[RTCIceServer, ...],
          publish: bool) -> Signaling:
    scheme = _checked_scheme(url)
    if scheme in ("http", "https"):
        from probe.signaling.whep import WhepSession

        return WhepSession(url, token=token, protocol="whep", ice_servers=ice_servers)
    if scheme.startswith("janus"):
        from probe.signaling.janus import JanusPublisher, JanusViewer

        return (JanusPublisher if publish else JanusViewer)(url, token=token,
                                                            ice_servers=ice_servers)
    action, endpoint = ("publish to", "WHIP") if publish else ("probe", "WHEP")
    raise InputError(f"cannot {action} {url!r}: unknown scheme {scheme or '(none)'!r}; give a "
                     f"{endpoint} URL such as http://host:port/{endpoint.lower()}/stream or a "
                     "Janus room such as janus://host:8088/1234")


def _checked_scheme(url: str) -> str:
    """``url``'s scheme once its host and port parse; else a one-line ``InputError``."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError as err:
        raise InputError(f"cannot parse the URL {url!r}: {err}; give it as "
                         "http://host:port/whep/stream ([brackets] around an IPv6 address)") from err
    if parts.scheme and not host:
        raise InputError(f"the URL {url!r} names no host; give it as http://host:port/whep/stream")
    return parts.scheme
