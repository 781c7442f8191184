"""Watch-time uplift of one tier over a baseline: naive and covariate-standardised, with a viewer
bootstrap 95 % CI.

- Naive: pooled Kaplan-Meier RMST of the tier over the baseline's, minus 1, in %.
- Adjusted: direct standardisation of stratified Kaplan-Meier curves (Makuch 1982, "Adjusted
  survival curve estimation using covariates", J Chronic Dis 35:437), i.e. the non-parametric
  g-formula (Hernan & Robins, "Causal Inference: What If", ch. 13): per covariate stratum s the KM
  RMST of each tier, then RMST_std(tier) = sum_s w_s RMST(tier, s) with w_s the share of all
  sessions in s. The ratio is the RMST uplift had every session got ``tier`` rather than the
  baseline, if the covariates hold all the confounding (no unmeasured confounder) and every
  stratum sees both tiers (positivity).
- Positivity is enforced, not assumed: a stratum where the tier or the baseline has fewer than
  ``MIN_STRATUM_SESSIONS`` sessions is left out of that comparison, and its sessions are counted
  in ``Uplift.sessions_outside_overlap``; the standard population is then the other strata.
- CI: percentile interval of the same statistic over viewer-level Poisson bootstrap replicates of
  the aggregate (``metrics.retention.grid.bootstrap_counts``). A replicate where a used stratum
  loses every session of a tier is undefined and counted, not imputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.retention.errors import RetentionInputError
from metrics.retention.grid import ExitGrid, bootstrap_counts
from metrics.retention.kaplan_meier import km_rmst
from metrics.retention.sessions import MIN_TIER_SESSIONS

# Fewer sessions than this for a tier in a stratum: the stratum is outside the overlap.
MIN_STRATUM_SESSIONS = MIN_TIER_SESSIONS  # sessions of each compared tier in a stratum


@dataclass(frozen=True)
class Uplift:
    """RMST uplift (%) of ``tier`` over ``baseline`` at the grid's horizon."""

    tier: str
    baseline: str
    naive_pct: float
    adjusted_pct: float
    ci95: tuple[float, float]
    naive_ci95: tuple[float, float]
    method: str
    strata_used: int
    sessions_outside_overlap: int
    replicates: int
    undefined_replicates: int


def estimate_uplift(grid: ExitGrid, tiers: tuple[str, ...], covariates: tuple[str, ...],
                    baseline: int, replicates: int, seed: int) -> tuple[Uplift, ...]:
    """Naive and standardised uplift of every tier over ``tiers[baseline]``, with percentile
    95 % CIs from ``replicates`` viewer bootstrap replicates (seeded, so reproducible)."""
    per_stratum = grid.counts.sum(axis=(2, 3))  # sessions per (tier, stratum)
    enough = per_stratum >= MIN_STRATUM_SESSIONS
    overlap = enough & enough[baseline]
    for i in np.flatnonzero(~overlap.any(axis=1)):
        raise RetentionInputError(
            f"tier {tiers[i]!r}: no covariate stratum has {MIN_STRATUM_SESSIONS} or more sessions "
            f"of both {tiers[i]!r} and the baseline {tiers[baseline]!r}; too few sessions to "
            f"compare")
    naive, adjusted = uplift_pct(grid.counts[None].astype(np.float64), grid.step_s, baseline,
                                 overlap)
    draws = [uplift_pct(chunk, grid.step_s, baseline, overlap)
             for chunk in bootstrap_counts(grid, replicates, seed)]
    naive_draws = np.concatenate([d[0] for d in draws])
    adjusted_draws = np.concatenate([d[1] for d in draws])

    strata = per_stratum.shape[1]
    adjusting = f" over {' x '.join(covariates)} ({strata} strata)" if covariates else \
        " (no covariates: adjusted = naive)"
    method = (f"standardised Kaplan-Meier RMST{adjusting}; 95% CI: percentile, "
              f"viewer-level Poisson bootstrap x{replicates}")
    results = []
    for i, tier in enumerate(tiers):
        if i == baseline:
            continue
        defined = np.isfinite(adjusted_draws[:, i])
        results.append(Uplift(
            tier=tier, baseline=tiers[baseline], naive_pct=float(naive[0, i]),
            adjusted_pct=float(adjusted[0, i]), ci95=_percentile_ci(adjusted_draws[defined, i]),
            naive_ci95=_percentile_ci(naive_draws[:, i]), method=method,
            strata_used=int(overlap[i].sum()),
            sessions_outside_overlap=int(per_stratum[[i, baseline]][:, ~overlap[i]].sum()),
            replicates=replicates, undefined_replicates=int((~defined).sum())))
    return tuple(results)


def uplift_pct(counts: np.ndarray, step_s: float, baseline: int,
               overlap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Naive and standardised uplift (%) of every tier over ``baseline`` for each replicate.

    ``counts``: (replicates, tiers, strata, steps + 1, 2); ``overlap``: (tiers, strata), the strata
    used for each tier's comparison. Returns two (replicates, tiers) arrays (0 for the baseline).
    """
    pooled = km_rmst(counts.sum(axis=2), step_s)  # (replicates, tiers)
    naive = 100.0 * (pooled / pooled[:, [baseline]] - 1.0)
    by_stratum = km_rmst(counts, step_s)  # (replicates, tiers, strata)
    weight = (counts[..., 0] + counts[..., 1]).sum(axis=(1, 3))  # per stratum: (replicates, strata)
    adjusted = np.zeros_like(naive)
    for i in range(counts.shape[1]):
        used = overlap[i]
        tier_rmst = np.where(used, weight * by_stratum[:, i], 0.0).sum(axis=-1)
        base_rmst = np.where(used, weight * by_stratum[:, baseline], 0.0).sum(axis=-1)
        adjusted[:, i] = 100.0 * (tier_rmst / base_rmst - 1.0)
    return naive, adjusted


def _percentile_ci(draws: np.ndarray) -> tuple[float, float]:
    if draws.size == 0:
        return (float("nan"), float("nan"))
    low, high = np.percentile(draws, [2.5, 97.5])
    return (float(low), float(high))
