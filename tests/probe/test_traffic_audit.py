"""A check sends to nobody but its target and the ICE servers it was given.

The check runs as its own process (the CLI) with a preloaded audit (``tests/support/send_audit.c``)
that logs every destination of connect/sendto/sendmsg/sendmmsg and every name resolved, and
keeps all of it on this host. The control run shows the audit sees what aiortc does by default:
it would ask a public STUN host.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from probe.pattern.spec import PatternSpec
from probe.room.server import RoomConfig, TestRoom
from tests.support.loopback_only import preload_library
from tests.support.stun_server import stun_server

AUDIT = Path(__file__).parents[1] / "support" / "send_audit.c"
CANDIDATE_PORT = re.compile(r"^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) ", re.MULTILINE)
CHECK_TIMEOUT_S = 60.0
AIORTC_DEFAULT_GATHERING = """
import asyncio
from aiortc import RTCPeerConnection
async def main():
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    await pc.close()
asyncio.run(main())
"""


def audited_env(log: Path) -> dict[str, str]:
    return {**os.environ, "LD_PRELOAD": str(preload_library(AUDIT)), "SEND_AUDIT_LOG": str(log)}


async def run(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), CHECK_TIMEOUT_S)
    return process.returncode, out.decode(errors="replace")


def audit_lines(log: Path) -> tuple[set[tuple[str, int]], set[str]]:
    sends, names = set(), set()
    for line in log.read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "send":
            host, port = rest.split()
            sends.add((host, int(port)))
        elif kind == "resolve":
            names.add(rest)
    return sends, names


@pytest.mark.integration
async def test_aiortcs_default_would_ask_a_public_stun_host(tmp_path: Path) -> None:
    """The control: the audit does see a third party when there is one (and stops it)."""
    log = tmp_path / "audit.log"
    code, output = await run([sys.executable, "-c", AIORTC_DEFAULT_GATHERING], audited_env(log))
    assert code == 0, output
    _, names = audit_lines(log)
    assert "stun.l.google.com" in names


@pytest.mark.integration
async def test_a_check_talks_only_to_its_target_and_its_ice_server(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    room_ports: set[int] = set()
    async with TestRoom(RoomConfig(pattern=PatternSpec(width=320, height=180))) as room, \
            stun_server() as stun:
        check = asyncio.ensure_future(run(
            [sys.executable, "-m", "probe.cli", "check", room.whep_url(), "--duration", "2",
             "--ice-server", f"stun:127.0.0.1:{stun.port}", "--json", "-"], audited_env(log)))
        while not check.done():  # note the room's candidate ports while its session lives
            for session in list(room._sessions.values()):
                if session.pc.localDescription is not None:
                    room_ports |= {int(p) for _, p in
                                   CANDIDATE_PORT.findall(session.pc.localDescription.sdp)}
            await asyncio.wait([check], timeout=0.1)
        code, output = check.result()
        assert stun.requests >= 1
    assert code in (0, 1), output
    sends, names = audit_lines(log)
    allowed = {("127.0.0.1", room.port), ("127.0.0.1", stun.port)} | {
        ("127.0.0.1", port) for port in room_ports}
    assert sends and room_ports
    assert sends <= allowed, sends - allowed
    assert names <= {"127.0.0.1", "localhost"}, names
