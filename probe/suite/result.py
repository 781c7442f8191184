"""What a suite run found, per case: its checks, budgets and comparisons with a baseline."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from metrics.regression import Comparison
from metrics.report import Status

BENCH_SCHEMA = "streamprobe.bench/1"
CaseStatus = Literal["pass", "warn", "fail", "error"]
EXIT_OK, EXIT_FAIL, EXIT_CANNOT_MEASURE = 0, 1, 2


@dataclass(frozen=True)
class Limited:
    """A figure held to warn/fail limits: a report check (by name) or a budget (by path).

    ``value`` is the median over the case's runs, so one noisy run does not decide; None when
    no run measured it (a failure: a limit that was set must be measured)."""

    kind: Literal["check", "budget"]
    name: str
    value: float | None
    unit: str
    warn: float
    fail: float
    direction: Literal["max", "min"]
    status: Status
    runs: int  # runs that measured it


@dataclass(frozen=True)
class Tracked:
    """A figure compared with its baseline: the samples on both sides and the decision."""

    path: str
    unit: str
    better: Literal["higher", "lower"]
    samples: tuple[float, ...]
    baseline: tuple[float, ...] = ()
    comparison: Comparison | None = None


@dataclass(frozen=True)
class CaseResult:
    name: str
    runs: int
    errors: tuple[str, ...]  # one line per run that could not measure
    limited: tuple[Limited, ...]
    tracked: tuple[Tracked, ...]
    reports: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()

    @property
    def regressions(self) -> tuple[Tracked, ...]:
        return tuple(t for t in self.tracked if t.comparison is not None
                     and t.comparison.regression)

    @property
    def status(self) -> CaseStatus:
        """error: no run measured; fail: a limit breached or a regression; else warn/pass."""
        if self.runs == len(self.errors):
            return "error"
        if self.regressions or any(item.status == "fail" for item in self.limited):
            return "fail"
        return "warn" if any(item.status == "warn" for item in self.limited) else "pass"


@dataclass(frozen=True)
class SuiteResult:
    name: str
    cases: tuple[CaseResult, ...]
    properties: dict[str, str]

    @property
    def exit_code(self) -> int:
        """2 when a case could not measure at all, 1 on a breached limit or a regression, else
        0 (pass or warn), as for ``check``."""
        statuses = {case.status for case in self.cases}
        if "error" in statuses:
            return EXIT_CANNOT_MEASURE
        return EXIT_FAIL if "fail" in statuses else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schema ``streamprobe.bench/1``), reports left out."""
        return {"schema": BENCH_SCHEMA, "name": self.name, "properties": self.properties,
                "exit_code": self.exit_code,
                "cases": [_case_dict(case) for case in self.cases]}


def _case_dict(case: CaseResult) -> dict[str, Any]:
    return {
        "name": case.name, "status": case.status, "runs": case.runs,
        "errors": list(case.errors), "notes": list(case.notes),
        "limited": [dataclasses.asdict(item) for item in case.limited],
        "tracked": [{"path": t.path, "unit": t.unit, "better": t.better,
                     "samples": list(t.samples), "baseline": list(t.baseline),
                     "comparison": (None if t.comparison is None else
                                    {**dataclasses.asdict(t.comparison),
                                     "relative_change": t.comparison.relative_change})}
                    for t in case.tracked],
    }
