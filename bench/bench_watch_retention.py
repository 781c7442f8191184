"""End to end: does what a watch measured recover a known freeze effect on viewer retention?

1. ``streamprobe watch`` (the library call) watches the embedded room whose link has scripted
   outages (``--impair outage=...``: nothing gets through for a few seconds): the timeline
   should mark those seconds frozen.
2. For each of ``--populations`` seeds, viewer sessions are drawn (``fixtures.retention``) whose
   leave hazard is multiplied by ``FROZEN_HR`` in exactly the seconds the *measured* timeline
   marks frozen (the timeline's runs, resampled on a 0.1 s grid).
3. ``retention --quality TIMELINE`` (``analyze_retention`` with the JSONL file) estimates the
   frozen hazard ratio; its 95 % CI must cover ``FROZEN_HR`` in at least 90 % of populations.

Prints the scripted and measured frozen seconds, the coverage and the median estimate; exits 1
when the coverage floor is missed (MISSED stays in the output).

Usage: python bench/bench_watch_retention.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.retention.population import PopulationSpec, sessions_table  # noqa: E402
from metrics.retention import analyze_retention  # noqa: E402
from metrics.retention.timelines import load_quality_reports  # noqa: E402
from probe.room.impair_spec import parse_impair_spec  # noqa: E402
from probe.watch.session import WatchOptions, run_watch  # noqa: E402

FROZEN_HR = 3.0
COVERAGE_FLOOR = 0.90
GRID_S = 0.1
OUTAGE_S = 3.0  # below the watch's 5 s drop rule: a freeze, not a reconnection
OUTAGE_EVERY_S = 15.0
STREAM_ID = "stream-000"  # the fixture's name for stream 0


def scripted_outages(duration_s: float) -> str:
    starts = np.arange(10.0, duration_s - 10.0, OUTAGE_EVERY_S)
    return ",".join(f"outage={OUTAGE_S:g}s@{t:g}s" for t in starts)


def measured_quality(timeline: Path) -> tuple[float, float, np.ndarray, np.ndarray, float]:
    """The timeline's runs on a ``GRID_S`` grid: start, end (epoch s), clarity and frozen per
    block (1 x blocks; gaps between rows count as clarity 3, not frozen), frozen seconds."""
    runs = load_quality_reports([timeline])
    start, end = math.floor(runs.start_s.min()), math.floor(runs.end_s.max())
    mid = start + (np.arange(int((end - start) / GRID_S)) + 0.5) * GRID_S
    run = np.searchsorted(runs.start_s, mid, side="right") - 1
    inside = (run >= 0) & (mid < runs.end_s[np.clip(run, 0, None)])
    clarity = np.where(inside, runs.clarity[np.clip(run, 0, None)], 3.0)
    frozen = inside & runs.frozen[np.clip(run, 0, None)]
    frozen_s = float(((runs.end_s - runs.start_s) * runs.frozen).sum())
    return start, end, clarity[None, :], frozen[None, :], frozen_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 100 s watch, 20k sessions")
    parser.add_argument("--populations", type=int, default=50)
    args = parser.parse_args()
    # A CI bound of a term with no events overflows exp(); the term is then reported as unfit.
    warnings.filterwarnings("ignore", "overflow encountered in exp", RuntimeWarning)
    duration_s = 100.0 if args.quick else 300.0
    sessions = 20_000 if args.quick else 40_000
    spec_text = scripted_outages(duration_s)
    with tempfile.TemporaryDirectory() as work:
        timeline = Path(work) / "watch.jsonl"
        options = WatchOptions(timeline=timeline, duration_s=duration_s, window_s=30.0,
                               stream_ids=(STREAM_ID,), impair=parse_impair_spec(spec_text))
        asyncio.run(run_watch(options))
        start, end, clarity, frozen, frozen_s = measured_quality(timeline)
        scripted_s = OUTAGE_S * spec_text.count("outage=")
        print(f"watch: {duration_s:.0f} s of the embedded room, {spec_text.count('outage=')} "
              f"scripted outages = {scripted_s:.0f} s; the timeline marks {frozen_s:.0f} s frozen",
              flush=True)
        covered, estimates, unfit = [], [], []
        began = time.perf_counter()
        for seed in range(args.populations):
            spec = PopulationSpec(sessions=sessions, seed=seed, streams=1, start_ts=start,
                                  join_window_s=(end - start) * 0.6,
                                  export_after_s=(end - start) * 0.4, quality_block_s=GRID_S,
                                  frozen_hr=FROZEN_HR, horizon_s=(end - start) * 0.4,
                                  uplift_pct=(0.0, 0.0, 0.0))  # tiers: no effect here
            result = analyze_retention(sessions_table(spec, quality=(clarity, frozen)), "tier",
                                       covariates=("device", "region"),
                                       quality_reports=[timeline],
                                       horizon_s=spec.horizon_s, bootstrap_replicates=1,
                                       seed=seed)
            if result.hazard is None:  # counted as not covering the truth
                unfit.append(next(n for n in result.notes if "hazard ratios" in n))
                covered.append(False)
                continue
            ratio = next(h for h in result.hazard.ratios if h.term == "frozen")
            estimates.append(ratio.hr)
            covered.append(ratio.ci95[0] <= FROZEN_HR <= ratio.ci95[1])
        coverage = float(np.mean(covered))
        ok = coverage >= COVERAGE_FLOOR
        print(f"frozen hazard ratio: median {np.median(estimates):.2f} (truth {FROZEN_HR:g}), "
              f"95 % CI covers the truth in {coverage:.0%} of {args.populations} populations of "
              f"{sessions:,} sessions [floor >= {COVERAGE_FLOOR:.0%}] {'ok' if ok else 'MISSED'} "
              f"({time.perf_counter() - began:.0f} s)")
        if unfit:
            print(f"{len(unfit)} populations without a hazard model (not covered): {unfit[0]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
