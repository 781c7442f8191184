"""Gather ICE host candidates on 127.0.0.1 only, for the peers whose every party is on this host.

aioice (aiortc's ICE agent) deliberately skips loopback addresses when it gathers host
candidates, so two local peers would talk over the machine's external address, and impairment
would not act on what crosses loopback. aioice has no option for this; ``get_host_addresses`` is
the one function ``Connection.gather_candidates`` calls. It is replaced once by a function that
answers exactly as the original does, except inside ``loopback_only()``: the narrowing is scoped
to the gathering started in that block (a context variable, so it follows the tasks aiortc
starts there and no other peer in the process), never process-wide.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

import aioice.ice

from probe.aiortc_hooks.gate import Hook, Internal

HOOK = Hook(
    name="loopback_gathering",
    without_it="media with a loopback peer goes over the machine's external address",
    internals=(Internal("aioice.ice", "get_host_addresses"),
               Internal("aioice.ice.Connection.gather_candidates", "get_host_addresses",
                        "called")),
)
_LOOPBACK_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("loopback_gathering",
                                                                      default=False)
_original: Callable[[bool, bool], list[str]] | None = None


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    """aioice's host addresses, or only 127.0.0.1 inside ``loopback_only()``."""
    if _LOOPBACK_ONLY.get():
        return ["127.0.0.1"] if use_ipv4 else []
    assert _original is not None
    return _original(use_ipv4=use_ipv4, use_ipv6=use_ipv6)


def _install() -> bool:
    """Replace aioice's function once (it answers as the original outside ``loopback_only``);
    False when aioice no longer gathers through it."""
    global _original
    if HOOK.missing():
        return False
    if aioice.ice.get_host_addresses is not _host_addresses:
        _original = aioice.ice.get_host_addresses
        aioice.ice.get_host_addresses = _host_addresses
    return aioice.ice.get_host_addresses is _host_addresses


@contextlib.contextmanager
def loopback_only(enabled: bool = True) -> Iterator[None]:
    """ICE gathering started inside this block (e.g. ``await pc.setLocalDescription(...)``)
    uses 127.0.0.1 only when ``enabled``; elsewhere gathering is unchanged."""
    if not enabled or not _install():
        yield
        return
    token = _LOOPBACK_ONLY.set(True)
    try:
        yield
    finally:
        _LOOPBACK_ONLY.reset(token)
