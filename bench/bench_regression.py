"""CI regressions that survive noise: false alarms on unchanged code, and real degradations found.

One suite (the embedded room, 640x360 VP8 at 1000 kbps, 4 s a run, 5 repeats, up to 15 while a
comparison is UNKNOWN) is run once with 10 repeats as the baseline, then:
- ``--runs`` times unchanged against it: every flagged regression is a false alarm
  (floor: at most 1 in all 20 runs together);
- ``--runs`` times at half the bitrate, and ``--runs`` times with ``loss=3%`` added: each run that
  flags no regression is a miss (floor: flagged in at least 19 of 20).
It also prints each tracked figure's run-to-run spread on unchanged code (median and IQR of the
run medians), the figure the minimum effects in ``metrics/figures.py`` are set against.

Usage: python bench/bench_regression.py [--quick] [--runs N]
(--quick: 3 runs of each, floors scaled: at most 1 false alarm, at most 1 miss per degradation)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from probe.room.impair_spec import parse_impair_spec  # noqa: E402
from probe.suite.baseline import baseline_of, load_baseline  # noqa: E402
from probe.suite.result import SuiteResult  # noqa: E402
from probe.suite.runner import run_suite  # noqa: E402
from probe.suite.spec import SuiteSpec, load_suite  # noqa: E402

SUITE = """
[suite]
name = "regression-bench"
repeats = 5
max_repeats = 15

[[case]]
name = "room-360p"
duration_s = 4
width = 640
height = 360
codec = "vp8"
bitrate_kbps = 1000
"""
BASELINE_REPEATS = 10
FULL_RUNS = 20
MAX_FALSE_ALARMS = 1
MIN_FLAGGED_SHARE = 19 / 20


def _variant(suite: SuiteSpec, **changes: object) -> SuiteSpec:
    (case,) = suite.cases
    return dataclasses.replace(suite, cases=(dataclasses.replace(case, **changes),))


def _run(suite: SuiteSpec, baseline_path: Path | None, repeats: int | None = None) -> SuiteResult:
    baseline = load_baseline(baseline_path) if baseline_path is not None else None
    return asyncio.run(run_suite(suite, baseline, repeats))


def _flagged(result: SuiteResult) -> list[str]:
    (case,) = result.cases
    return [f"{t.path} {t.comparison.relative_change:+.1%}" if t.comparison.relative_change
            is not None else t.path for t in case.regressions]  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int)
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else FULL_RUNS)
    max_misses = max(0, runs - int(np.ceil(MIN_FLAGGED_SHARE * runs)))
    if args.quick:
        max_misses = 1
    with tempfile.TemporaryDirectory() as tmp:
        suite_path = Path(tmp) / "suite.toml"
        suite_path.write_text(SUITE)
        suite = load_suite(suite_path)
        (case,) = suite.cases
        started = time.monotonic()
        base = _run(suite, None, BASELINE_REPEATS)
        baseline_path = Path(tmp) / "baseline.json"
        baseline_path.write_text(json.dumps(baseline_of(base)))
        print(f"baseline: {base.cases[0].runs} runs, {time.monotonic() - started:.0f} s")
        variants = {
            "unchanged": suite,
            "half bitrate": _variant(suite, encoding=dataclasses.replace(
                case.encoding, bitrate_kbps=case.encoding.bitrate_kbps // 2)),
            "loss=3%": _variant(suite, impair=parse_impair_spec("loss=3%")),
        }
        flagged: dict[str, list[list[str]]] = {name: [] for name in variants}
        medians: dict[str, list[float]] = {}
        for name, variant in variants.items():
            for run in range(1, runs + 1):
                result = _run(variant, baseline_path)
                found = _flagged(result)
                flagged[name].append(found)
                if name == "unchanged":
                    for t in result.cases[0].tracked:
                        medians.setdefault(t.path, []).append(statistics.median(t.samples))
                print(f"{name:>12} run {run:2}/{runs}: {result.cases[0].runs:2} repeats, "
                      f"flagged: {', '.join(found) or 'nothing'}", flush=True)

    print("\nrun-to-run spread on unchanged code (median of run medians, IQR):")
    for path, values in medians.items():
        q1, q3 = np.percentile(values, [25, 75])
        print(f"  {path:34} {statistics.median(values):10.4g}  IQR {q3 - q1:.4g}")
    failures = 0
    false_alarms = sum(len(found) for found in flagged["unchanged"])
    ok = false_alarms <= MAX_FALSE_ALARMS
    failures += not ok
    print(f"\nfalse regressions on unchanged code: {false_alarms} in {runs} runs "
          f"(floor: at most {MAX_FALSE_ALARMS}) {'ok' if ok else 'MISSED'}")
    for name in ("half bitrate", "loss=3%"):
        caught = sum(bool(found) for found in flagged[name])
        ok = runs - caught <= max_misses
        failures += not ok
        print(f"{name} flagged as a regression: {caught}/{runs} "
              f"(floor: at least {runs - max_misses}/{runs}) {'ok' if ok else 'MISSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
