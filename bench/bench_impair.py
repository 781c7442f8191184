"""Injected truth vs measured, through the real loopback stack: delay, outages, clean run.

Prints one line per figure and exits 1 when a floor is missed. Floors (issues 4 and 5):
- added delay N ms: glass-to-glass p50 minus the 0 ms baseline within ±10 ms of N;
- outages 0.5/1/2 s: every one found, count exact, and each freeze's duration (median over the
  repeats) within the outage ± (1 frame interval + 50 ms), the issue's tolerance; the worst
  repeat is printed too. The freeze includes the keyframe round trip that ends it (PLI, keyframe
  encoded at once by the room, decoded), as a viewer sees it;
- clean run: zero freezes (60 s; 15 s with --quick).

Usage: python bench/bench_impair.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys

from probe.check import CheckOptions, run_check
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec

SPEC = PatternSpec(width=640, height=360, fps=30.0)
DELAY_TOLERANCE_MS = 10.0
FRAME_MS = 1000.0 / SPEC.fps
OUTAGE_TOLERANCE_MS = 50.0  # beyond one frame interval (stutter issue)


async def g2g_p50_ms(impair: str | None, duration_s: float) -> float:
    report = await run_check(CheckOptions(
        duration_s=duration_s, pattern=SPEC,
        impair=parse_impair_spec(impair) if impair else None))
    assert report.latency.glass_to_glass_ms is not None
    return report.latency.glass_to_glass_ms.p50


async def outages(repeats: int) -> int:
    """Injected outages against the freezes and audio gaps found; returns the floors missed."""
    failures = 0
    outage_s = (0.5, 1.0, 2.0)
    spec = parse_impair_spec(",".join(f"outage={d}s@{2 + 3 * i}s" for i, d in enumerate(outage_s)))
    durations: list[list[float]] = [[] for _ in outage_s]
    for _ in range(repeats):
        report = await run_check(CheckOptions(duration_s=11.0, pattern=SPEC, impair=spec))
        gaps = report.audio.gap_count if report.audio else None
        count_ok = report.stutter.freeze_count == len(outage_s) and gaps == len(outage_s)
        failures += not count_ok
        print(f"outages {outage_s} s: {report.stutter.freeze_count} freezes, {gaps} audio gaps "
              f"found ({'ok' if count_ok else 'MISSED'})")
        if report.stutter.freeze_count == len(outage_s):  # in order, one freeze per outage
            for found, freeze in zip(durations, report.stutter.freezes):
                found.append(freeze.duration_s)
    tolerance_s = (FRAME_MS + OUTAGE_TOLERANCE_MS) / 1000.0
    for injected_s, found in zip(outage_s, durations):
        if not found:
            continue
        median_s = statistics.median(found)
        worst_s = max(found, key=lambda d: abs(d - injected_s))
        ok = abs(median_s - injected_s) <= tolerance_s
        failures += not ok
        print(f"  outage {injected_s:.1f} s -> freeze {median_s:.3f} s (median of {len(found)}, "
              f"error {(median_s - injected_s) * 1000:+.0f} ms, worst {(worst_s - injected_s) * 1000:+.0f} ms; "
              f"ratio {median_s / injected_s:.3f}; floor ±{tolerance_s * 1000:.0f} ms) "
              f"{'ok' if ok else 'MISSED'}")
    return failures


async def main(quick: bool) -> int:
    failures = 0
    duration_s = 4.0 if quick else 8.0
    repeats = 1 if quick else 3
    baseline_ms = statistics.median([await g2g_p50_ms(None, duration_s) for _ in range(repeats)])
    print(f"baseline glass-to-glass p50: {baseline_ms:.1f} ms")
    for added_ms in (50, 200, 500):
        measured = statistics.median([await g2g_p50_ms(f"delay={added_ms}ms", duration_s)
                                      for _ in range(repeats)])
        error_ms = measured - baseline_ms - added_ms
        ok = abs(error_ms) <= DELAY_TOLERANCE_MS
        failures += not ok
        print(f"delay {added_ms} ms: measured +{measured - baseline_ms:.1f} ms "
              f"(error {error_ms:+.1f} ms, floor ±{DELAY_TOLERANCE_MS:g}) {'ok' if ok else 'MISSED'}")

    failures += await outages(repeats)

    clean_s = 15.0 if quick else 60.0
    clean = await run_check(CheckOptions(duration_s=clean_s, pattern=SPEC))
    clean_ok = clean.stutter.freeze_count == 0
    failures += not clean_ok
    print(f"clean {clean_s:.0f} s run: {clean.stutter.freeze_count} freezes, "
          f"{clean.video.fps:.2f} fps ({'ok' if clean_ok else 'MISSED'})")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, one repeat (CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
