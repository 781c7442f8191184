"""Run a suite: each case repeated, its figures limited and compared with a baseline.

Each run is a real ``check`` (of the embedded room, a URL, or a published pattern) or an
``analyze`` of a file. A case with a comparison that is UNKNOWN and could still become a
regression (``Comparison.worth_more_runs``) gets more runs, a case's repeat count at a time, up
to its ``max_repeats`` (Pinpoint's "more repeats only when unknown"). A case that
cannot measure does not stop the suite: its errors are kept and the next case runs.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib.metadata
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from metrics.figures import FIGURES, figure_value
from metrics.regression import compare_samples
from metrics.report import Report
from metrics.verdict import Limit, evaluate
from probe.errors import ProbeError
from probe.suite.baseline import Baseline, BaselineFigure
from probe.suite.result import CaseResult, Limited, SuiteResult, Tracked
from probe.suite.spec import CaseSpec, SuiteSpec

FAILED_RUNS_BEFORE_GIVING_UP = 2  # runs in a row that could not measure, with none that did


@dataclass(frozen=True)
class RunProgress:
    """Where a suite is: case ``case_index`` (from 1) of ``cases``, run ``run`` of ``runs``."""

    case: str
    case_index: int
    cases: int
    run: int
    runs: int


async def run_suite(suite: SuiteSpec, baseline: Baseline | None = None,
                    repeats: int | None = None,
                    on_progress: Callable[[RunProgress], None] | None = None) -> SuiteResult:
    """Run every case of ``suite`` (``repeats`` overrides each case's own count)."""
    properties = _properties(suite)
    results = []
    for index, case in enumerate(suite.cases, start=1):
        def progress(run: int, runs: int, case: CaseSpec = case, index: int = index) -> None:
            if on_progress is not None:
                on_progress(RunProgress(case.name, index, len(suite.cases), run, runs))

        results.append(await _run_case(case, baseline.figures(case.name) if baseline else {},
                                       repeats or case.repeats, progress))
    return SuiteResult(name=suite.name, cases=tuple(results), properties=properties)


async def _run_case(case: CaseSpec, baseline: dict[str, BaselineFigure], repeats: int,
                    progress: Callable[[int, int], None]) -> CaseResult:
    reports: list[dict[str, Any]] = []
    errors: list[str] = []
    planned = repeats
    bound = max(case.max_repeats, repeats)
    while True:
        while len(reports) + len(errors) < planned:
            progress(len(reports) + len(errors) + 1, planned)
            try:
                reports.append((await measure(case)).to_dict())
            except ProbeError as err:
                errors.append(str(err))
                if not reports and len(errors) >= FAILED_RUNS_BEFORE_GIVING_UP:
                    return CaseResult(case.name, len(errors), tuple(errors), (), (), notes=(
                        f"stopped after {len(errors)} runs in a row that could not measure",))
        tracked = _tracked(case, reports, baseline)
        unknown = any(t.comparison is not None and t.comparison.worth_more_runs
                      for t in tracked)
        if not unknown or planned >= bound:
            break
        planned = min(bound, planned + repeats)
    limited = _checks(reports) + _budgets(case, reports)
    return CaseResult(case.name, len(reports) + len(errors), tuple(errors), limited,
                      tuple(tracked), tuple(reports))


async def measure(case: CaseSpec) -> Report:
    """One run of ``case``: a check, or an analyze of its file (in a worker thread)."""
    if case.source == "file":
        from probe.analyze.file import analyze_file

        assert case.target is not None
        return await asyncio.to_thread(analyze_file, Path(case.target), case.thresholds, None,
                                       case.reference)
    from probe.check import CheckOptions, run_check

    return await run_check(CheckOptions(
        url=case.view if case.source == "publish" else case.target,
        publish_url=case.target if case.source == "publish" else None,
        duration_s=case.duration_s, timeout_s=case.timeout_s, thresholds=case.thresholds,
        pattern=case.pattern, encoding=case.encoding, impair=case.impair))


def _values(reports: list[dict[str, Any]], path: str) -> list[float]:
    return [v for v in (figure_value(r, path) for r in reports) if v is not None]


def _tracked(case: CaseSpec, reports: list[dict[str, Any]],
             baseline: dict[str, BaselineFigure]) -> list[Tracked]:
    tracked = []
    for path in case.track:
        samples = _values(reports, path)
        if not samples:
            continue  # not measured by this case (e.g. VMAF without a reference)
        figure = FIGURES[path]
        base = baseline.get(path)
        comparison = (compare_samples(list(base.samples), samples, figure.better,
                                      figure.min_effect)
                      if base is not None and base.samples else None)
        tracked.append(Tracked(path=path, unit=figure.unit, better=figure.better,
                               samples=tuple(samples),
                               baseline=base.samples if base is not None else (),
                               comparison=comparison))
    return tracked


def _checks(reports: list[dict[str, Any]]) -> tuple[Limited, ...]:
    """Each report check, its value the median over the runs, judged by the check's limits."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        for check in report["checks"]:
            by_name.setdefault(check["name"], []).append(check)
    limited = []
    for name, checks in by_name.items():
        first = checks[0]
        limit = Limit(warn=first["warn"] if first["warn"] is not None else first["threshold"],
                      fail=first["threshold"], direction=first["direction"], unit=first["unit"])
        limited.append(_limited("check", name, [c["value"] for c in checks], limit))
    return tuple(limited)


def _budgets(case: CaseSpec, reports: list[dict[str, Any]]) -> tuple[Limited, ...]:
    return tuple(_limited("budget", path, _values(reports, path), limit)
                 for path, limit in case.budgets.items())


def _limited(kind: Literal["check", "budget"], name: str, values: list[float],
             limit: Limit) -> Limited:
    """A limited figure from its values over the runs (``Limited``)."""
    if not values:
        return Limited(kind=kind, name=name, value=None, unit=limit.unit, warn=limit.warn,
                       fail=limit.fail, direction=limit.direction, status="fail", runs=0)
    check = evaluate(name, statistics.median(values), limit)
    return Limited(kind=kind, name=name, value=check.value, unit=limit.unit, warn=limit.warn,
                   fail=limit.fail, direction=limit.direction, status=check.status,
                   runs=len(values))


def _properties(suite: SuiteSpec) -> dict[str, str]:
    """What a CI reader needs to trust or reproduce the figures: versions and the machine."""
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    return {
        "suite": str(suite.path), "started_at": datetime.datetime.now(
            datetime.timezone.utc).isoformat(timespec="seconds"),
        "streamprobe": version("streamprobe"), "aiortc": version("aiortc"),
        "python": platform.python_version(), "machine": platform.node(),
        "platform": platform.platform(), "cpus": str(os.cpu_count()),
    }
