"""Keep WebRTC media on the loopback interface when every party is on this host.

For the built-in room and for loopback targets media stays on 127.0.0.1 (so impairment acts on
what really crosses it): our own gathering is narrowed to loopback
(``probe.aiortc_hooks.loopback_gathering``) and the remote SDP's other candidates are dropped.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


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
