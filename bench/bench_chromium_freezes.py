"""The probe's freezes against Chromium's own, on impairment profiles, medians of repeats.

Each repeat: Debian's headless Chromium and the probe watch the same impaired test room at once;
Chromium's getStats freezeCount / totalFreezesDuration against the probe's delivery freezes.
Floor (stutter issue): per profile, the median count differs by at most 1 and the median total
by at most 20 %. Exits 1 when missed. Usage: python bench/bench_chromium_freezes.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

# The comparison lives with the tests (it drives Chromium through tests/support).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.probe.chromium_freezes import compare_freezes  # noqa: E402

PROFILES = [
    "outage=1s@3s,outage=2s@7s",
    "loss=2%,outage=1s@3s,outage=1.5s@7s",
    "loss=1%,burst=2,outage=0.5s@3s,outage=1.5s@7s",
    "delay=60ms,jitter=15ms,outage=0.7s@3s,outage=2s@7s",
]


async def main(repeats: int) -> int:
    failures = 0
    for profile in PROFILES:
        runs = [await compare_freezes(profile) for _ in range(repeats)]
        chrome_n = statistics.median(r.chromium_count for r in runs)
        probe_n = statistics.median(r.probe_count for r in runs)
        chrome_s = statistics.median(r.chromium_total_s for r in runs)
        probe_s = statistics.median(r.probe_total_s for r in runs)
        ok = abs(probe_n - chrome_n) <= 1 and abs(probe_s - chrome_s) <= 0.2 * chrome_s
        failures += not ok
        print(f"{profile}: chromium {chrome_n:g} freezes {chrome_s:.3f} s, probe {probe_n:g} "
              f"freezes {probe_s:.3f} s, ratio {probe_s / chrome_s:.3f} (median of {repeats}) "
              f"{'ok' if ok else 'MISSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat per profile")
    sys.exit(asyncio.run(main(1 if parser.parse_args().quick else 5)))
