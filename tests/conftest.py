"""Shared fixtures: free ports, and a check that a test left no task, socket or thread behind."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_sockets() -> int:
    """Sockets this process holds open (from /proc, so aiortc's and aiohttp's count too)."""
    fd_dir = "/proc/self/fd"
    count = 0
    for name in os.listdir(fd_dir):
        try:
            count += os.readlink(os.path.join(fd_dir, name)).startswith("socket:")
        except OSError:
            pass
    return count


class LeakCheck:
    """Snapshot before; ``assert_clean()`` after, allowing a moment for threads to exit."""

    def __init__(self) -> None:
        self.sockets = open_sockets()
        self.threads = {t.ident for t in threading.enumerate()}

    async def assert_clean(self) -> None:
        current = asyncio.current_task()
        deadline = time.monotonic() + 5.0
        while True:
            tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
            extra_threads = [t.name for t in threading.enumerate()
                             if t.ident not in self.threads and t.is_alive()
                             and not t.name.startswith("asyncio_")]
            sockets = open_sockets()
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
