"""``python -m probe.room CONFIG_JSON``: the test room as a child process, with a handshake.

The parent (``probe.room.process``) passes the room's configuration as one JSON argument and
reads one JSON line from the child's stdout once the room listens:
``{"event": "ready", "base_url": ..., "port": ..., "pid": ...}``; a room that cannot start
writes ``{"event": "error", "message": ...}`` and exits 2. SIGTERM or SIGINT stops the room
cleanly (every peer connection and stream closed).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from probe.errors import ProbeError
from probe.room.process import config_from_json
from probe.room.server import TestRoom


def _say(event: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def _serve(config_json: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with TestRoom(config_from_json(config_json)) as room:
        _say({"event": "ready", "base_url": room.base_url(), "port": room.port,
              "pid": os.getpid()})
        await stop.wait()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        _say({"event": "error", "message": "usage: python -m probe.room CONFIG_JSON"})
        return 2
    try:
        asyncio.run(_serve(argv[0]))
    except (ProbeError, OSError, ValueError, TypeError, OverflowError) as err:
        _say({"event": "error", "message": str(err)})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
