"""A peer the tests start as a child process: started, awaited until ready, always stopped.

``child(argv, ready=...)`` yields once the process printed a line matching ``ready`` (or raises
with its last lines when it exits or stays silent); its output is kept (the last lines) for
assertions and failure messages. On exit it gets ``stop_signal`` (SIGINT: FFmpeg and the
GStreamer publisher then DELETE their WHIP resource), then SIGKILL after a grace period.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

LINES_KEPT = 400
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 8.0


@dataclass
class Child:
    """A running child: its process and its latest output lines (stdout and stderr merged)."""

    process: asyncio.subprocess.Process
    lines: collections.deque[str] = field(default_factory=lambda: collections.deque(
        maxlen=LINES_KEPT))

    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_for(self, pattern: str, timeout_s: float = READY_TIMEOUT_S) -> re.Match[str]:
        """The first line (already printed or still to come) matching ``pattern``."""
        regex = re.compile(pattern)
        async with asyncio.timeout(timeout_s):
            while True:
                for line in list(self.lines):
                    if (match := regex.search(line)) is not None:
                        return match
                if self.process.returncode is not None:
                    raise RuntimeError(f"{pattern!r} never printed; exited "
                                       f"{self.process.returncode}:\n{self.output()}")
                await asyncio.sleep(0.05)


async def _read(child: Child) -> None:
    assert child.process.stdout is not None
    async for raw in child.process.stdout:
        child.lines.append(raw.decode(errors="replace").rstrip())


@contextlib.asynccontextmanager
async def child(argv: Sequence[str], ready: str | None = None, env: dict[str, str] | None = None,
                cwd: str | None = None, stop_signal: int = signal.SIGINT,
                ready_timeout_s: float = READY_TIMEOUT_S) -> AsyncIterator[Child]:
    """Run ``argv``; yield once a line matches ``ready`` (at once when None); stop on exit."""
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    running = Child(process)
    reader = asyncio.create_task(_read(running), name=f"child-{argv[0]}")
    try:
        if ready is not None:
            try:
                await running.wait_for(ready, ready_timeout_s)
            except TimeoutError as err:
                raise RuntimeError(f"{argv[0]} did not print {ready!r} within "
                                   f"{ready_timeout_s:g} s:\n{running.output()}") from err
        yield running
    finally:
        if process.returncode is None:
            process.send_signal(stop_signal)
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.gather(reader, return_exceptions=True)
