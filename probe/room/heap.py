"""Giving freed heap back to the system when the room falls idle.

Measured with bench/bench_room_churn.py: after viewers leave, the room's Python objects are all
gone (gc counts flat from the second round of sessions on), but glibc's malloc keeps the freed
native memory of their codecs, DTLS and SRTP contexts (about 15 MiB after a dozen sessions) in
its arenas. ``malloc_trim(0)`` hands free pages back; elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import gc

_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)


def give_back_freed_heap() -> bool:
    """Collect cycles, then return free heap pages to the OS; False where malloc_trim is
    missing (not glibc)."""
    gc.collect()
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True
