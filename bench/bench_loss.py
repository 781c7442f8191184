"""Loss before and after repair, against injected random loss, at a low and a high bitrate.

The embedded room's link drops each packet with probability 5 % (``--impair loss=5%``; both
media and retransmissions, as a lossy link would). Floor (issue #21):
``network.link_loss_fraction`` (first-arrival sequence gaps, before NACK/RTX repair) reads
5 % ± 1.5 points at 300 kbps and at 2 Mbps (median of the repeats). ``loss_fraction`` (residual,
webrtc-stats packetsLost) and the retransmissions are printed beside it. Exits 1 when missed.
Usage: python bench/bench_loss.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from probe.check import CheckOptions, run_check
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec

INJECTED = 0.05
TOLERANCE = 0.015
SPEC = PatternSpec(width=640, height=360, fps=30.0)


async def one(bitrate_kbps: int, duration_s: float) -> tuple[float, float, int, float | None]:
    report = await run_check(CheckOptions(
        duration_s=duration_s, pattern=SPEC, encoding=VideoEncoding(bitrate_kbps=bitrate_kbps),
        impair=parse_impair_spec(f"loss={INJECTED * 100:g}%")))
    net = report.network
    assert net.link_loss_fraction is not None and net.loss_fraction is not None
    audio = report.audio.loss_fraction if report.audio else None
    return net.link_loss_fraction, net.loss_fraction, net.retransmitted_packets or 0, audio


async def main(quick: bool) -> int:
    repeats, duration_s = (1, 6.0) if quick else (3, 12.0)
    failures = 0
    for kbps in (300, 2000):
        runs = [await one(kbps, duration_s) for _ in range(repeats)]
        link = statistics.median(r[0] for r in runs)
        residual = statistics.median(r[1] for r in runs)
        rtx = statistics.median(r[2] for r in runs)
        audio = [r[3] for r in runs if r[3] is not None]
        ok = abs(link - INJECTED) <= TOLERANCE
        failures += not ok
        audio_text = f"{statistics.median(audio):.4f}" if audio else "n/a"
        print(f"{kbps} kbps, loss={INJECTED:.0%}: link_loss_fraction {link:.4f} (injected "
              f"{INJECTED:.2f}, ratio {link / INJECTED:.2f}, floor ±{TOLERANCE}) "
              f"loss_fraction {residual:.4f}, retransmitted {rtx:g}, audio loss {audio_text} "
              f"(median of {repeats}) {'ok' if ok else 'MISSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one 6 s run per bitrate")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
