"""Keep WebRTC media on the loopback interface when every party is on this host.

aioice (aiortc's ICE agent) deliberately skips 127.0.0.1 when it gathers host candidates, so two
local peers would talk over the machine's external address. For the built-in room and for
loopback targets we want media to stay on 127.0.0.1 (and impairment to act on what really
crosses it), so we narrow aioice's address list and drop non-loopback candidates from the remote
SDP. aioice has no option for this; ``get_host_addresses`` is the one function it calls.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import aioice.ice

_original_get_host_addresses = aioice.ice.get_host_addresses
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


def is_loopback_host(host: str | None) -> bool:
    """True for localhost names and loopback IP addresses."""
    if not host:
        return False
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """True when a URL's host is on the loopback interface."""
    return is_loopback_host(urlsplit(url).hostname)


def set_loopback_ice(enabled: bool) -> None:
    """Gather ICE host candidates on 127.0.0.1 only (``True``) or on every interface (``False``)."""
    aioice.ice.get_host_addresses = _loopback_only if enabled else _original_get_host_addresses


def loopback_ice_enabled() -> bool:
    return aioice.ice.get_host_addresses is _loopback_only


def strip_non_loopback_candidates(sdp: str) -> str:
    """Drop ``a=candidate`` lines whose address is not loopback (used with loopback ICE)."""
    kept = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            parts = line.split()
            if len(parts) > 4 and not is_loopback_host(parts[4]):
                continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n"
