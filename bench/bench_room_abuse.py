"""10 000 malformed requests against the test room (--quick: 1 000): 4xx for each, bounded memory.

The room runs in its own process with its default limits except the join rate per address,
which is lifted so that every POST reaches the offer parser (with the default cap, most would
be answered 429 before it: cheaper, and not what this measures). Eight connections send, in
turn: offers aiortc's parser rejects (``m=x``, cut real offers, SDP-like lines), a wrong content
type, non-UTF-8 bodies, bodies over the 64 KiB cap, stream names with CR/LF or too long, empty
bodies, DELETE and PATCH of sessions that do not exist, GET of a WHEP URL, offers to ever new
stream names. Floors:
- every request answered with a 4xx (no 5xx, no reset connection);
- the room's RSS, sampled every 0.5 s, stays under its starting RSS + 64 MiB;
- afterwards no session or stream is left, and a normal 5 s check passes.

Usage: python bench/bench_room_abuse.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench.room_stats import check_line, room_stats, rss_mib  # noqa: E402
from probe.check import CheckOptions, run_check  # noqa: E402
from probe.pattern.spec import PatternSpec  # noqa: E402
from probe.room.limits import RoomLimits  # noqa: E402
from probe.room.process import room_process  # noqa: E402
from probe.room.server import RoomConfig  # noqa: E402
from tests.support.peers_offline import viewer_offer  # noqa: E402

MEMORY_HEADROOM_MIB = 64.0
CONNECTIONS = 8
SDP = {"Content-Type": "application/sdp"}
Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


def malformed(offer: str) -> list[Callable[[random.Random], Request]]:
    """Makers of one malformed request each, from a seeded generator."""
    return [
        lambda r: ("POST", "/whep/pattern", SDP, b"v=0\r\nm=x\r\n"),
        lambda r: ("POST", "/whep/pattern", SDP, offer.encode()[:r.randrange(len(offer))]),
        lambda r: ("POST", "/whip/pattern", SDP,
                   "\r\n".join(f"{r.choice('vmac')}={r.random()}" for _ in range(8)).encode()),
        lambda r: ("POST", "/whep/pattern", {"Content-Type": "text/plain"}, offer.encode()),
        lambda r: ("POST", "/whep/pattern", SDP, b"m=video " + r.randbytes(200)),
        lambda r: ("POST", "/whep/pattern", SDP, b"m=" + b"x" * (100 * 1024)),
        lambda r: ("POST", "/whep/a%0D%0AX-Injected:%201", SDP, offer.encode()),
        lambda r: ("POST", "/whep/" + "n" * 65, SDP, offer.encode()),
        lambda r: ("POST", "/whep/pattern", SDP, b""),
        lambda r: ("DELETE", f"/whep/pattern/{r.getrandbits(128):032x}", {}, b""),
        lambda r: ("PATCH", f"/whep/pattern/{r.getrandbits(64):016x}", SDP, b"a=end"),
        lambda r: ("GET", "/whep/pattern", {}, b""),
        lambda r: ("POST", f"/whep/s{r.getrandbits(32):08x}", SDP, b"v=0\r\nm=video 9\r\n"),
    ]


async def abuse(base_url: str, count: int, offer: str) -> collections.Counter[str]:
    """Send ``count`` malformed requests over ``CONNECTIONS`` connections; outcome counts."""
    rng = random.Random(15)
    makers = malformed(offer)
    requests = [makers[i % len(makers)](rng) for i in range(count)]
    outcomes: collections.Counter[str] = collections.Counter()
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    timeout = aiohttp.ClientTimeout(total=20)

    async def worker(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            method, path, headers, body = queue.get_nowait()
            try:
                async with http.request(method, base_url + path, headers=headers,
                                        data=body) as response:
                    await response.read()
                    outcomes[str(response.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as err:
                outcomes[type(err).__name__] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await asyncio.gather(*(worker(http) for _ in range(CONNECTIONS)))
    return outcomes


async def peak_rss(pid: int, peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], rss_mib(pid))
        await asyncio.sleep(0.5)


async def main(quick: bool) -> int:
    count = 1000 if quick else 10_000
    offer = await viewer_offer()
    limits = RoomLimits(joins_per_s=1e6, join_burst=10**6)
    config = RoomConfig(pattern=PatternSpec(width=640, height=360), limits=limits)
    async with room_process(config) as room:
        start = await room_stats(room.base_url, room.pid)
        peak = [start.rss_mib]
        sampler = asyncio.create_task(peak_rss(room.pid, peak))
        wall_s = time.monotonic()
        try:
            outcomes = await abuse(room.base_url, count, offer)
        finally:
            sampler.cancel()
        wall_s = time.monotonic() - wall_s
        after = await room_stats(room.base_url, room.pid)
        report = await run_check(CheckOptions(url=f"{room.base_url}/whep/pattern",
                                              duration_s=5))
    failures = 0
    answered_4xx = sum(n for k, n in outcomes.items() if k.isdigit() and 400 <= int(k) < 500)
    print(f"{count} malformed requests in {wall_s:.1f} s ({count / wall_s:.0f}/s), outcomes: "
          + ", ".join(f"{k}: {n}" for k, n in sorted(outcomes.items())))
    ok = answered_4xx == count
    failures += not ok
    print(f"answered 4xx: {answered_4xx} of {count} (floor: all) {'ok' if ok else 'MISSED'}")
    bound = start.rss_mib + MEMORY_HEADROOM_MIB
    ok = peak[0] <= bound
    failures += not ok
    print(f"room RSS: start {start.rss_mib:.1f} MiB, peak {peak[0]:.1f}, end {after.rss_mib:.1f}"
          f" (floor: peak <= {bound:.1f}) {'ok' if ok else 'MISSED'}")
    ok = after.sessions == 0 and after.streams == 0
    failures += not ok
    print(f"left behind: {after.sessions} sessions, {after.streams} streams, {after.tasks} tasks"
          f" (start {start.tasks}), {after.sockets} sockets (start {start.sockets}) "
          f"(floor: 0 sessions, 0 streams) {'ok' if ok else 'MISSED'}")
    ok, line = check_line("check afterwards", report)
    failures += not ok
    print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 000 requests (CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
