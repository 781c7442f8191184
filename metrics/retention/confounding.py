"""Confounding check: how covariates are spread over tiers, and the uplift within each level.

A stratified comparison (Rothman, Greenland & Lash, "Modern Epidemiology", ch. 15): for each level
of each covariate, the share of every tier's sessions that has that level (if the shares differ,
the covariate can confound the tier comparison) and the tier's RMST uplift over the baseline
within that level only. When the within-level uplifts agree with each other and with the
standardised estimate but not with the naive one, the covariate explains the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.retention.grid import ExitGrid
from metrics.retention.kaplan_meier import km_rmst
from metrics.retention.uplift import MIN_STRATUM_SESSIONS


@dataclass(frozen=True)
class LevelComparison:
    """One covariate level: its sessions, ``share_by_tier[t]`` = share of tier t's sessions at
    this level, and ``uplift_pct_by_tier[t]`` = RMST uplift of t over the baseline within the
    level (None when t or the baseline has fewer than ``MIN_STRATUM_SESSIONS`` sessions there)."""

    covariate: str
    level: str
    sessions: int
    share_by_tier: dict[str, float]
    uplift_pct_by_tier: dict[str, float | None]


def compare_within_levels(grid: ExitGrid, tiers: tuple[str, ...], covariates: tuple[str, ...],
                          strata: tuple[tuple[str, ...], ...],
                          baseline: int) -> tuple[LevelComparison, ...]:
    """A ``LevelComparison`` for every level of every covariate, from the grid counts."""
    per_stratum = grid.counts.sum(axis=(2, 3))  # (tiers, strata)
    tier_sessions = per_stratum.sum(axis=1)
    results = []
    for c, name in enumerate(covariates):
        levels = np.array([stratum[c] for stratum in strata])
        for level in sorted(set(levels)):
            inside = levels == level
            n = per_stratum[:, inside].sum(axis=1)
            rmst = km_rmst(grid.counts[:, inside].sum(axis=1).astype(np.float64), grid.step_s)
            enough = (n >= MIN_STRATUM_SESSIONS) & (n[baseline] >= MIN_STRATUM_SESSIONS)
            results.append(LevelComparison(
                covariate=name, level=str(level), sessions=int(n.sum()),
                share_by_tier={t: float(n[i] / tier_sessions[i]) for i, t in enumerate(tiers)},
                uplift_pct_by_tier={t: float(100.0 * (rmst[i] / rmst[baseline] - 1.0))
                                    if enough[i] else None
                                    for i, t in enumerate(tiers) if i != baseline}))
    return tuple(results)
