"""Leaving on Ctrl-C or SIGTERM: tear down cleanly, and never hang.

``run(coro)`` runs an asyncio command. The first SIGINT or SIGTERM cancels it, so every
``finally`` on the way out runs: peer connections close, WHEP resources are deleted, the test
room stops. A second signal, or a teardown still going ``TEARDOWN_GRACE_S`` after the first,
ends the process at once (exit 128 + the signal's number) with a line saying why; the same
signal again within ``DUPLICATE_SIGNAL_S`` of the first counts as the first. The watchdog
also covers the interpreter's own exit, which waits for library threads (aiortc's decoders).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)
TEARDOWN_GRACE_S = 10.0
# A signal repeated this soon is the same request: coreutils ``timeout`` signals the child and
# then its process group, so the child gets SIGTERM twice at once.
DUPLICATE_SIGNAL_S = 0.2


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal; ``exit_code`` is 128 + its number (130: Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, cancelled by SIGINT/SIGTERM; then raises ``Interrupted``.

    For the command-line process: after a signal, a daemon watchdog ends the process if it has
    not exited within ``TEARDOWN_GRACE_S``.
    """
    received: list[int] = []
    try:
        return asyncio.run(_cancelled_by_signals(coro, received))
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise


async def _cancelled_by_signals(coro: Coroutine[Any, Any, T], received: list[int]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    first_s: list[float] = []

    def on_signal(signum: int) -> None:
        if received:
            if signum == received[0] and time.monotonic() - first_s[0] < DUPLICATE_SIGNAL_S:
                return
            _exit_now(signum, "interrupted again during teardown")
        received.append(signum)
        first_s.append(time.monotonic())
        watchdog = threading.Timer(TEARDOWN_GRACE_S, _exit_now, (
            signum, f"teardown did not finish within {TEARDOWN_GRACE_S:g} s"))
        watchdog.daemon = True
        watchdog.start()
        task.cancel()

    for signum in SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        return await coro
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)


def _exit_now(signum: int, why: str) -> None:
    """End the process with 128 + ``signum`` without further teardown."""
    sys.stderr.write(f"streamprobe: interrupted; {why}, exiting now\n")
    sys.stderr.flush()
    os._exit(128 + signum)
