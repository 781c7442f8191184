"""A saved baseline: per case and tracked figure, the samples, unit and better direction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.errors import InputError
from probe.suite.result import SuiteResult

BASELINE_SCHEMA = "streamprobe.bench-baseline/1"


@dataclass(frozen=True)
class BaselineFigure:
    unit: str
    better: str
    samples: tuple[float, ...]


@dataclass(frozen=True)
class Baseline:
    """Samples per case name and figure path, from an earlier ``--save-baseline``."""

    cases: dict[str, dict[str, BaselineFigure]]
    properties: dict[str, str]

    def figures(self, case: str) -> dict[str, BaselineFigure]:
        return self.cases.get(case, {})


def baseline_of(result: SuiteResult) -> dict[str, Any]:
    """The baseline JSON of a suite run: every tracked figure's samples."""
    return {
        "schema": BASELINE_SCHEMA, "suite": result.name, "properties": result.properties,
        "cases": {case.name: {t.path: {"unit": t.unit, "better": t.better,
                                       "samples": list(t.samples)}
                              for t in case.tracked if t.samples}
                  for case in result.cases},
    }


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; one-line ``InputError`` naming what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot read the baseline: {err.strerror}") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: the baseline is not JSON ({err})") from err
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        raise InputError(f"{path}: not a streamprobe baseline (schema {BASELINE_SCHEMA}); "
                         "make one with streamprobe bench SUITE --save-baseline FILE")
    cases: dict[str, dict[str, BaselineFigure]] = {}
    try:
        for name, figures in data["cases"].items():
            cases[name] = {
                figure: BaselineFigure(unit=str(entry["unit"]), better=str(entry["better"]),
                                       samples=tuple(float(v) for v in entry["samples"]))
                for figure, entry in figures.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(f"{path}: the baseline's cases are malformed ({err!r}); save it "
                         "again with --save-baseline") from err
    return Baseline(cases=cases, properties=dict(data.get("properties", {})))
