"""Cost per viewed stream: the probe's CPU beside a headless Chromium watching the same stream.

The test room (its own process) sends the pattern at 720p30 (2 Mbps) and 1080p30 (6 Mbps) VP8.
Chromium (Debian's, headless, via Playwright) joins it as a WHEP viewer and shows the frames;
then ``streamprobe watch`` (its own process, every live metric of a URL watch: stamps, clarity,
freezes, content freezes, A/V sync, audio, network) joins the same stream. After a warm-up both
are measured over the same seconds: CPU from /proc (all threads; for Chromium every process of
its tree). Floor (issue 17): probe CPU <= 0.6 x Chromium's at each size. Exits 1 when missed.

Usage: python bench/bench_viewer_cost.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.watch_support import ENV, cpu_s, room_server  # noqa: E402
from tests.support.chromium_whep import chromium_whep_viewer, rates  # noqa: E402

MAX_RATIO = 0.6
WARM_UP_S = 8.0
SIZES = ((1280, 720, 2000), (1920, 1080, 6000))


def chromium_pids() -> list[int]:
    """Chromium processes descended from this one (the browser and its renderer, GPU and
    utility processes)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        names[pid] = text[text.index("(") + 1: text.rindex(")")]
        parents[pid] = int(text.rsplit(")", 1)[1].split()[1])
    me = Path("/proc/self").resolve().name

    def descends(pid: int) -> bool:
        while pid in parents and pid > 1:
            pid = parents[pid]
            if str(pid) == me:
                return True
        return False

    return [p for p in names if "chrom" in names[p].lower() and descends(p)]


def tree_cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_s(pid)
        except OSError:
            pass  # exited between listing and reading
    return total


async def measure(url: str, seconds: float) -> tuple[float, float, float]:
    """(probe cores, Chromium cores, Chromium received fps) over the same ``seconds``."""
    with tempfile.TemporaryDirectory() as work:
        async with chromium_whep_viewer(url) as browser:
            watch = subprocess.Popen(
                [sys.executable, "-m", "probe.cli", "watch", url, "--timeline",
                 str(Path(work) / "t.jsonl"), "--window", "10"], env=ENV,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                await asyncio.sleep(WARM_UP_S)
                pids = chromium_pids()
                first = await browser.sample()
                t0, probe0, chrome0 = time.monotonic(), cpu_s(watch.pid), tree_cpu_s(pids)
                await asyncio.sleep(seconds)
                t1, probe1, chrome1 = time.monotonic(), cpu_s(watch.pid), tree_cpu_s(pids)
                last = await browser.sample()
            finally:
                watch.send_signal(signal.SIGTERM)
                _, err = watch.communicate(timeout=30)
            if watch.returncode != 143:
                raise SystemExit(f"the watch exited {watch.returncode}: {err.strip()}")
    wall = t1 - t0
    return (probe1 - probe0) / wall, (chrome1 - chrome0) / wall, rates(first, last).fps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s per size instead of 60 s")
    args = parser.parse_args()
    seconds = 20.0 if args.quick else 60.0
    ok = True
    for width, height, kbps in SIZES:
        with room_server(width, height, kbps) as url:
            probe, chrome, fps = asyncio.run(measure(url, seconds))
        ratio = probe / chrome if chrome > 0 else float("inf")
        good = ratio <= MAX_RATIO
        ok &= good
        print(f"{height}p30 {kbps} kbps over {seconds:.0f} s: probe {probe:.3f} cores, Chromium "
              f"{chrome:.3f} cores ({fps:.1f} fps received), ratio {ratio:.2f} "
              f"[floor <= {MAX_RATIO:g}] {'ok' if good else 'MISSED'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
