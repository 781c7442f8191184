"""The embedded test room as a child process (``streamprobe check`` with no URL).

The room renders and encodes the pattern; in the probe's own process it would share the GIL with
the receiver and the analysis, and the probe would measure its own contention (half the frame
rate at 360p on 2 cores, measured). A child process is also what a real server is: separate.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import AsyncIterator

from probe.errors import ProbeError
from probe.room import RoomConfig

READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
# ``serve`` announces itself with this line on stdout (see probe/cli_check.py).
READY_LINE = re.compile(r"^test room on (http://\S+)")


def serve_arguments(config: RoomConfig) -> list[str]:
    """``streamprobe serve`` arguments reproducing ``config`` on a free loopback port."""
    spec, encoding = config.pattern, config.encoding
    arguments = ["serve", "--host", "127.0.0.1", "--port", "0",
                 "--width", str(spec.width), "--height", str(spec.height),
                 "--fps", f"{spec.fps:g}", "--codec", encoding.codec,
                 "--bitrate-kbps", str(encoding.bitrate_kbps), "--av-offset", f"{spec.av_offset_ms:g}"]
    if config.impair is not None:
        arguments += ["--impair", config.impair.text]
    return arguments


@contextlib.asynccontextmanager
async def room_process(config: RoomConfig) -> AsyncIterator[str]:
    """Start the room in a child process; yields its base URL; stops it on every exit path."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "probe.cli", *serve_arguments(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    drain: asyncio.Task[None] | None = None
    try:
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                base_url = await _announced_url(child)
        except TimeoutError as err:
            raise ProbeError(
                f"the embedded test room did not start within {READY_TIMEOUT_S:g} s") from err
        # Keep reading its output so a chatty child never blocks on a full pipe.
        drain = asyncio.create_task(_drain(child), name="room-output")
        yield base_url
    finally:
        await _stop(child)
        if drain is not None:
            await asyncio.gather(drain, return_exceptions=True)


async def _announced_url(child: asyncio.subprocess.Process) -> str:
    assert child.stdout is not None and child.stderr is not None
    async for raw in child.stdout:
        match = READY_LINE.match(raw.decode(errors="replace"))
        if match:
            return match.group(1)
    detail = (await child.stderr.read()).decode(errors="replace").strip().splitlines()
    raise ProbeError("the embedded test room exited at start"
                     + (f": {detail[-1]}" if detail else ""))


async def _drain(child: asyncio.subprocess.Process) -> None:
    assert child.stdout is not None and child.stderr is not None
    await asyncio.gather(child.stdout.read(), child.stderr.read())


async def _stop(child: asyncio.subprocess.Process) -> None:
    if child.returncode is None:
        child.terminate()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await child.wait()
        except TimeoutError:
            child.kill()
            await child.wait()
