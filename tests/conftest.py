"""Shared fixtures: free ports, and a check that a test left no task, socket or thread behind."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from tests.support.peers_offline import socket_count


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




class LeakCheck:
    """Snapshot before; ``assert_clean()`` after, allowing a moment for threads to exit."""

    def __init__(self) -> None:
        self.sockets = socket_count()
        self.threads = {t.ident for t in threading.enumerate()}

    async def assert_clean(self) -> None:
        current = asyncio.current_task()
        deadline = time.monotonic() + 5.0
        while True:
            tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
            extra_threads = [t.name for t in threading.enumerate()
                             if t.ident not in self.threads and t.is_alive()
                             and not t.name.startswith("asyncio_")]
            sockets = socket_count()
            if not tasks and not extra_threads and sockets <= self.sockets:
                return
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert not tasks, f"tasks left running: {[t.get_name() for t in tasks]}"
        assert not extra_threads, f"threads left running: {extra_threads}"
        assert sockets <= self.sockets, f"sockets left open: {sockets} > {self.sockets}"


@pytest.fixture
async def leak_check() -> LeakCheck:
    """Taken inside the test's event loop, so the loop's own self-pipe is not a "leak"."""
    return LeakCheck()


@pytest.fixture
def port() -> int:
    return free_port()
