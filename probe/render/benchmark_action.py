"""A suite run in github-action-benchmark's custom format, so its charts and alerts can use it.

That action takes a JSON list of ``{name, unit, value, range, extra}`` per tool, and one tool per
direction: ``customBiggerIsBetter`` and ``customSmallerIsBetter``. So two files are written,
``PREFIX-bigger.json`` and ``PREFIX-smaller.json``, with the median of each tracked figure.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from probe.errors import InputError
from probe.suite.result import SuiteResult


def benchmark_action_entries(result: SuiteResult) -> dict[str, list[dict[str, Any]]]:
    """Entries per direction ("bigger", "smaller"): one per case and tracked figure."""
    entries: dict[str, list[dict[str, Any]]] = {"bigger": [], "smaller": []}
    for case in result.cases:
        for tracked in case.tracked:
            samples = sorted(tracked.samples)
            spread = (samples[-1] - samples[0]) / 2
            entries["bigger" if tracked.better == "higher" else "smaller"].append({
                "name": f"{case.name}/{tracked.path}", "unit": tracked.unit,
                "value": statistics.median(samples), "range": f"± {spread:.4g}",
                "extra": f"median of {len(samples)} runs"})
    return entries


def write_benchmark_action(result: SuiteResult, prefix: Path) -> list[Path]:
    """Write ``PREFIX-bigger.json`` and ``PREFIX-smaller.json``; returns the paths."""
    written = []
    for direction, entries in benchmark_action_entries(result).items():
        path = prefix.with_name(f"{prefix.name}-{direction}.json")
        try:
            path.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
        except OSError as err:
            raise InputError(f"{path}: cannot write: {err.strerror}") from err
        written.append(path)
    return written
