"""What a room child process holds: sessions, tasks and threads (its /health), sockets and RSS
(its /proc entry). Shared by bench/bench_room_churn.py and bench/bench_room_abuse.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

from metrics.report import Report
from tests.support.peers_offline import socket_count

MIB = 1024 * 1024
SOCKET_CLOSE_S = 0.3


@dataclass(frozen=True)
class RoomStats:
    """One sample of a room process (RSS in MiB)."""

    sessions: int
    streams: int
    tasks: int
    threads: int
    sockets: int
    rss_mib: float

    def row(self) -> dict[str, float]:
        return {"sessions": self.sessions, "streams": self.streams, "tasks": self.tasks,
                "threads": self.threads, "sockets": self.sockets, "rss_mib": self.rss_mib}


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` (MiB, /proc/PID/status VmRSS)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / MIB
    raise RuntimeError(f"no VmRSS for process {pid}")


async def room_stats(base_url: str, pid: int) -> RoomStats:
    """Sample the room at ``base_url`` running as process ``pid``."""
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as http, \
            http.get(f"{base_url}/health") as response:
        health = await response.json()
    # The room closes its end of this request's connection once it sees ours close: that
    # socket is the measurement's own, not the room's.
    await asyncio.sleep(SOCKET_CLOSE_S)
    return RoomStats(sessions=health["sessions"], streams=len(health["streams"]),
                     tasks=health["tasks"], threads=health["threads"],
                     sockets=socket_count(pid), rss_mib=rss_mib(pid))


def check_line(label: str, report: Report) -> tuple[bool, str]:
    """Whether the check after a bench passed, and its line for the bench output."""
    ok = report.verdict == "pass"
    breached = ", ".join(f"{c.name} {c.value} {c.unit} (limit {c.threshold})"
                         for c in report.checks if c.status == "fail")
    return ok, (f"{label}: {report.verdict}, {report.video.frames} frames (floor: pass) "
                f"{'ok' if ok else 'MISSED'}" + (f"; failed: {breached}" if breached else ""))
