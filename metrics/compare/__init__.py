"""Pure scoring of ``streamprobe compare``: settings, runs across repeats, BD-rate, ranking.

Arrays and numbers in, frozen dataclasses out; the encodes, the live runs and the cache live in
``probe.compare``.
"""

from metrics.compare.bdrate import BD_METHODS, BdRate, bd_rate_between
from metrics.compare.ranking import (
    COMPARE_SCHEMA,
    CompareResult,
    Constraints,
    RunScores,
    SettingSummary,
    compare_runs,
    summarize,
)
from metrics.compare.setting import GRID_KEYS, Setting

__all__ = [
    "BD_METHODS", "COMPARE_SCHEMA", "GRID_KEYS", "BdRate", "CompareResult", "Constraints",
    "RunScores", "Setting", "SettingSummary", "bd_rate_between", "compare_runs", "summarize",
]
