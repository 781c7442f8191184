"""The embedded test room as a child process (``streamprobe check`` with no URL).

The room renders and encodes the pattern; in the probe's own process it would share the GIL with
the receiver and the analysis, and the probe would measure its own contention (half the frame
rate at 360p on 2 cores, measured). A child process is also what a real server is: separate.
It starts from ``python -m probe.room`` with the configuration as JSON and answers with a
machine-readable handshake (``probe/room/__main__.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

from probe.errors import ProbeError
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec
from probe.room.limits import RoomLimits
from probe.room.server import RoomConfig

READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
HANDSHAKE_MAX_BYTES = 64 * 1024


@dataclasses.dataclass(frozen=True)
class RoomChild:
    """A running room child: where it listens and its process id."""

    base_url: str
    port: int
    pid: int


def config_to_json(config: RoomConfig) -> str:
    """``config`` as the JSON argument of ``python -m probe.room``."""
    return json.dumps({
        "host": config.host, "port": config.port, "token": config.token,
        "pattern": dataclasses.asdict(config.pattern),
        "encoding": dataclasses.asdict(config.encoding),
        "impair": config.impair.text if config.impair is not None else None,
        "limits": dataclasses.asdict(config.limits),
    })


def config_from_json(text: str) -> RoomConfig:
    """The ``RoomConfig`` that ``config_to_json`` wrote."""
    data: dict[str, Any] = json.loads(text)
    impair = data.get("impair")
    return RoomConfig(host=data["host"], port=data["port"], token=data.get("token"),
                      pattern=PatternSpec(**data["pattern"]),
                      encoding=VideoEncoding(**data["encoding"]),
                      impair=parse_impair_spec(impair) if impair else None,
                      limits=RoomLimits(**data.get("limits", {})))


@contextlib.asynccontextmanager
async def room_process(config: RoomConfig) -> AsyncIterator[RoomChild]:
    """Start the room in a child process; yields where it listens; stops it on every exit path."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "probe.room", config_to_json(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        limit=HANDSHAKE_MAX_BYTES)
    drain: asyncio.Task[None] | None = None
    try:
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                ready = await _handshake(child)
        except TimeoutError as err:
            raise ProbeError(
                f"the embedded test room did not start within {READY_TIMEOUT_S:g} s") from err
        # Keep reading its output so a chatty child never blocks on a full pipe.
        drain = asyncio.create_task(_drain(child), name="room-output")
        yield ready
    finally:
        await _stop(child)
        if drain is not None:
            await asyncio.gather(drain, return_exceptions=True)


async def _handshake(child: asyncio.subprocess.Process) -> RoomChild:
    assert child.stdout is not None and child.stderr is not None
    line = await child.stdout.readline()
    try:
        event = json.loads(line)
    except ValueError:
        event = {}
    if event.get("event") == "ready":
        return RoomChild(base_url=event["base_url"], port=event["port"], pid=event["pid"])
    detail = event.get("message") or (await child.stderr.read()).decode(
        errors="replace").strip().splitlines()[-1:]
    raise ProbeError("the embedded test room exited at start"
                     + (f": {detail if isinstance(detail, str) else detail[0]}" if detail else ""))


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
