"""A/V sync and the sender-report clock against injected truth, through real loopback peers.

Prints one line per figure and exits 1 when a floor is missed. Floors (latency issue):
- injected A/V offsets -200, -80, 0, +60, +150 ms (``--av-offset``): measured within ±10 ms
  (median of 3 runs per offset; 1 with --quick);
- the same offset over a delayed, jittered link (delay=200ms,jitter=20ms): still within ±10 ms;
- glass-to-glass from RTCP sender reports (``clock: "rtcp"``) against the stamps in the same run,
  through a 150 ms delayed link: p50 within ±10 ms (not an issue floor; the check that the
  remote-stream clock tells the truth).

Usage: python bench/bench_avsync.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrics.analysis import RunFacts, StreamAnalyzer  # noqa: E402
from metrics.report import Target  # noqa: E402
from metrics.verdict import load_limits  # noqa: E402
from probe.check import CheckOptions, run_check  # noqa: E402
from probe.pattern.spec import PatternSpec  # noqa: E402
from probe.room.impair_spec import parse_impair_spec  # noqa: E402
from probe.room.process import room_process  # noqa: E402
from probe.room.server import DEFAULT_STREAM, RoomConfig  # noqa: E402
from probe.signaling import open_viewer_signaling  # noqa: E402
from probe.viewer.peer import Viewer  # noqa: E402

OFFSETS_MS = (-200.0, -80.0, 0.0, 60.0, 150.0)
TOLERANCE_MS = 10.0
DURATION_S = 7.0  # two flashes at least (one every 3 s)


def spec(offset_ms: float) -> PatternSpec:
    return PatternSpec(width=640, height=360, av_offset_ms=offset_ms)


async def measured_offset_ms(offset_ms: float, impair: str | None = None) -> float | None:
    report = await run_check(CheckOptions(duration_s=DURATION_S, pattern=spec(offset_ms),
                                          impair=parse_impair_spec(impair) if impair else None))
    return report.latency.av_sync_ms


def line(label: str, truth_ms: float, measured_ms: float | None) -> bool:
    ok = measured_ms is not None and abs(measured_ms - truth_ms) <= TOLERANCE_MS
    shown = "null" if measured_ms is None else f"{measured_ms:+.1f} ms (error {measured_ms - truth_ms:+.1f})"
    print(f"{label}: injected {truth_ms:+.0f} ms, measured {shown}, floor ±{TOLERANCE_MS:g} "
          f"{'ok' if ok else 'MISSED'}")
    return ok


async def rtcp_vs_stamps_ms(delay_ms: float) -> tuple[float, float]:
    """(stamp p50, rtcp p50) of glass-to-glass (ms) in one run through a delayed link."""
    config = RoomConfig(pattern=spec(0.0), impair=parse_impair_spec(f"delay={delay_ms:g}ms"))
    analyzer = StreamAnalyzer()
    async with room_process(config) as room:
        url = f"{room.base_url}/whep/{DEFAULT_STREAM}"
        await Viewer(open_viewer_signaling(url), analyzer).watch(DURATION_S, timeout_s=10.0)
    p50 = []
    for clock in ("same-host", "none"):  # "none": as if remote, so the sender reports are used
        latency = analyzer.report(RunFacts(Target(url=url, protocol="whep"), clock=clock,
                                           reports_on_capture_clock=True),
                                  load_limits(None)).latency
        assert latency.glass_to_glass_ms is not None
        p50.append(latency.glass_to_glass_ms.p50)
    return p50[0], p50[1]


async def main(quick: bool) -> int:
    repeats = 1 if quick else 3
    failures = 0
    for offset_ms in OFFSETS_MS:
        runs = [await measured_offset_ms(offset_ms) for _ in range(repeats)]
        read = [r for r in runs if r is not None]
        failures += not line(f"A/V offset (median of {repeats})", offset_ms,
                             statistics.median(read) if len(read) == len(runs) else None)
    failures += not line("A/V offset over delay=200ms,jitter=20ms", -80.0,
                         await measured_offset_ms(-80.0, "delay=200ms,jitter=20ms"))
    stamps_ms, rtcp_ms = await rtcp_vs_stamps_ms(150.0)
    ok = abs(rtcp_ms - stamps_ms) <= TOLERANCE_MS
    failures += not ok
    print(f"glass-to-glass p50 through delay=150ms: stamps {stamps_ms:.1f} ms, sender reports "
          f"{rtcp_ms:.1f} ms (difference {rtcp_ms - stamps_ms:+.1f}, bound ±{TOLERANCE_MS:g}) "
          f"{'ok' if ok else 'MISSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per figure (CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
