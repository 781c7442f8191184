"""Viewers joining and leaving one room for minutes: does the room give everything back?

300 viewer sessions over 5 minutes (--quick: 24 over 40 s) join the test room (its own
process, default limits, VP8 pattern) one after another, each for 2-4 s. They leave in four
ways, in turn:
- ``delete``: WHEP DELETE, then close the peer (a well-behaved viewer);
- ``close``: close the peer without DELETE (the room sees DTLS close and ends the session);
- ``abandon``: POST the offer and vanish before connecting (the room's connect watchdog);
- ``kill``: every 50th session (--quick: one) is a ``streamprobe check`` process killed with
  SIGKILL once connected: no DELETE, no DTLS close (the room's ICE consent expiry, ~30 s).
Afterwards (once the room reports no session, or 60 s) the room's sessions, streams, asyncio
tasks, threads, sockets and RSS are compared with their values before the first join. Floors:
each within 10 % of its starting value (sessions and streams: back to 0); every viewer that
connected got frames; a final 5 s check passes.

Usage: python bench/bench_room_churn.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiortc import RTCPeerConnection  # noqa: E402

from bench.room_stats import RoomStats, check_line, room_stats, rss_mib  # noqa: E402
from probe.check import CheckOptions, run_check  # noqa: E402
from probe.pattern.spec import PatternSpec  # noqa: E402
from probe.room.process import room_process  # noqa: E402
from probe.room.server import RoomConfig  # noqa: E402
from probe.signaling.ice_servers import peer_configuration  # noqa: E402
from probe.signaling.whep import WhepSession  # noqa: E402

TOLERANCE = 0.10
SETTLE_S = 60.0
LEAVE_WAYS = ("delete", "close", "abandon")
FRAMES_WANTED = 10


async def viewer(url: str, leave: str, hold_s: float) -> bool | None:
    """One in-process viewer; True when it got frames, None when it never meant to connect."""
    pc = RTCPeerConnection(peer_configuration())
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    tracks: asyncio.Queue = asyncio.Queue()
    pc.on("track", lambda track: tracks.put_nowait(track) if track.kind == "video" else None)
    whep = WhepSession(url)
    try:
        await whep.negotiate(pc, timeout_s=10)
        if leave == "abandon":
            return None
        async with asyncio.timeout(10):
            track = await tracks.get()
            for _ in range(FRAMES_WANTED):
                await track.recv()
        await asyncio.sleep(hold_s)
        return True
    except Exception:  # noqa: BLE001 - counted as a viewer without frames
        return False
    finally:
        if leave == "delete":
            await whep.close()
        await pc.close()


async def killed_viewer(url: str) -> None:
    """A ``streamprobe check`` process, killed with SIGKILL once it has connected."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "probe.cli", "check", url, "--duration", "60",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(12)  # imports, negotiation and connection take about 6 s here
    child.send_signal(signal.SIGKILL)
    await child.wait()


async def churn(url: str, sessions: int, span_s: float, kill_every: int) -> tuple[int, int]:
    """Run the sessions on schedule; (viewers that got frames, viewers meant to connect)."""
    rng = random.Random(15)
    start_s = time.monotonic()
    tasks = []
    for index in range(sessions):
        await asyncio.sleep(max(0.0, start_s + index * span_s / sessions - time.monotonic()))
        if index % kill_every == kill_every - 1:
            tasks.append(asyncio.create_task(killed_viewer(url)))
            continue
        leave = LEAVE_WAYS[index % len(LEAVE_WAYS)]
        tasks.append(asyncio.create_task(viewer(url, leave, rng.uniform(2.0, 4.0))))
    outcomes = [r for r in await asyncio.gather(*tasks) if r is not None]
    return sum(outcomes), len(outcomes)


async def settled(base_url: str, pid: int) -> tuple[RoomStats, float]:
    """The room's stats once it reports no session (or after ``SETTLE_S``), and the wait."""
    start_s = time.monotonic()
    while True:
        stats = await room_stats(base_url, pid)
        if stats.sessions == 0 and stats.streams == 0 or time.monotonic() - start_s > SETTLE_S:
            return stats, time.monotonic() - start_s
        await asyncio.sleep(1.0)


async def sample_rss(pid: int, every_s: float, samples: list[float]) -> None:
    """Append the room's RSS (MiB) every ``every_s``, from ``every_s`` on, until cancelled."""
    while True:
        await asyncio.sleep(every_s)
        samples.append(rss_mib(pid))


async def main(quick: bool) -> int:
    sessions, span_s, kill_every = (24, 40.0, 24) if quick else (300, 300.0, 50)
    config = RoomConfig(pattern=PatternSpec(width=640, height=360))
    async with room_process(config) as room:
        url = f"{room.base_url}/whep/pattern"
        before = await room_stats(room.base_url, room.pid)
        rss_samples: list[float] = []
        sampler = asyncio.create_task(sample_rss(room.pid, span_s / 10, rss_samples))
        wall_s = time.monotonic()
        try:
            got, connecting = await churn(url, sessions, span_s, kill_every)
        finally:
            sampler.cancel()
        wall_s = time.monotonic() - wall_s
        after, settle_s = await settled(room.base_url, room.pid)
        report = await run_check(CheckOptions(url=url, duration_s=5))
    failures = 0
    print(f"{sessions} sessions over {wall_s:.0f} s (leaving by DELETE / close / abandon, "
          f"every {kill_every}th killed); room settled {settle_s:.0f} s after the last")
    print(f"{'figure':<10} {'start':>8} {'end':>8}  floor")
    for name, start in before.row().items():
        end = after.row()[name]
        bound = start * (1 + TOLERANCE)
        ok = end <= bound
        failures += not ok
        print(f"{name:<10} {start:>8.1f} {end:>8.1f}  <= {bound:.1f} {'ok' if ok else 'MISSED'}")
    # Growth after a warm-up, to tell a leak (still growing) from one-time costs (codec
    # libraries, allocator arenas of the encoder threads): RSS at 10 % and 50 % of the span.
    warm, half = rss_samples[0], rss_samples[len(rss_samples) // 2]
    print(f"rss_mib at 10 % / 50 % of the span: {warm:.1f} / {half:.1f}; end {after.rss_mib:.1f}"
          f" ({(after.rss_mib / warm - 1) * 100:+.1f} % after the first 10 %; not a floor)")
    ok = got == connecting
    failures += not ok
    print(f"viewers that got {FRAMES_WANTED} frames: {got} of {connecting} "
          f"(floor: all) {'ok' if ok else 'MISSED'}")
    ok, line = check_line("final check", report)
    failures += not ok
    print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="24 sessions over 40 s (CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
