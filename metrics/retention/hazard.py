"""Hazard ratios of leaving: piecewise-exponential model on aggregated person-time.

The hazard of leaving at watch time t is h(t) = h0_k exp(x(t)' beta) for t in the k-th interval
of watch time, with x(t) the tier, the covariate levels and, when quality timelines are given,
the stream's quality at that instant (time-varying). With h0 piecewise constant this model's
likelihood is, up to a constant, a Poisson log-linear model for the events of each cell with the
cell's person-time as exposure (Holford 1980, "The analysis of rates and of survivorship using
log-linear models", Biometrics 36:299; Laird & Olivier 1981, "Covariance analysis of censored
survival data using log-linear analysis techniques", JASA 76:231), and as the intervals shrink it
tends to the Cox model. Cells with equal covariates can be summed, so DuckDB reduces the sessions
to cells (interval x tier x stratum [x clarity x frozen]) whose number does not grow with viewers.

The Poisson likelihood is maximised with SciPy's trust-region Newton method (its gradient and
Hessian are two lines; no GLM library is a dependency here). CIs are Wald intervals from the
observed information: model-based, so they treat sessions as independent and are somewhat narrow
when viewers have many sessions; the uplift CI, by contrast, comes from a viewer bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from metrics.retention.grid import ExitGrid
from metrics.retention.sessions import SESSIONS_VIEW, SessionTable
from metrics.retention.timelines import QUALITY_VIEW

if TYPE_CHECKING:
    import duckdb

# Intervals of the baseline hazard, cut at quantiles of the leaving times so each holds about
# the same number of events.
INTERVALS = 24
Z_95 = 1.959963984540054
SCORE_TOLERANCE = 1e-7  # largest |d log-likelihood / d beta| per event accepted at the optimum
CLARITY_UNIT = "per +1 clarity point (1-5 scale)"
FROZEN_UNIT = "frozen second vs playing"


class HazardModelError(ValueError):
    """The model cannot be fitted on these data (a term without events, no convergence); the
    analysis reports the rest of its results and says why the hazard ratios are missing."""


@dataclass(frozen=True)
class HazardRatio:
    """exp(beta) of one term, with its 95 % Wald CI. ``reference`` is the level the term is
    compared with (categorical terms); ``unit`` the unit of a numeric term."""

    term: str
    hr: float
    ci95: tuple[float, float]
    reference: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class HazardModel:
    """The fitted model: ratios, the baseline intervals (s), and the data it used."""

    ratios: tuple[HazardRatio, ...]
    interval_edges_s: tuple[float, ...]
    cells: int
    events: int
    person_time_s: float
    method: str


def interval_edges_s(grid: ExitGrid, intervals: int = INTERVALS) -> np.ndarray:
    """Edges 0 < ... < horizon at quantiles of the leaving times before the horizon."""
    left_by_step = grid.counts[..., 1].sum(axis=(0, 1))[:-1]
    share = np.cumsum(left_by_step) / max(left_by_step.sum(), 1)
    inner = np.searchsorted(share, np.arange(1, intervals) / intervals) + 1
    edges = np.unique(np.concatenate([[0], inner, [grid.n_steps]])) * grid.step_s
    return edges


@dataclass(frozen=True)
class PersonTime:
    """Events and person-time (s) per cell: arrays ``k`` (interval), ``tier_code``,
    ``stratum_code`` [, ``clarity``, ``frozen``], ``events``, ``exposure_s``."""

    interval_edges_s: np.ndarray
    cells: dict[str, np.ndarray]
    with_quality: bool

    @property
    def events(self) -> int:
        return int(self.cells["events"].sum())

    @property
    def person_time_s(self) -> float:
        return float(self.cells["exposure_s"].sum())


def aggregate_person_time(con: "duckdb.DuckDBPyConnection", grid: ExitGrid,
                          with_quality: bool) -> PersonTime:
    """Person-time table of the sessions up to the grid's horizon, in one DuckDB query.

    With ``with_quality`` the view ``QUALITY_VIEW`` must exist, and only person-time covered by
    a quality timeline is counted.
    """
    edges = interval_edges_s(grid)
    cells = _person_time(con, grid.horizon_s, edges, with_quality)
    return PersonTime(interval_edges_s=edges, cells=cells, with_quality=with_quality)


def fit_hazard_model(person_time: PersonTime, table: SessionTable,
                     baseline: int) -> HazardModel:
    """Fit the piecewise-exponential model; ``HazardModelError`` when the data cannot carry it."""
    edges, cells = person_time.interval_edges_s, person_time.cells
    intervals = len(edges) - 1
    reference = [_most_common_level(table, c) for c in range(len(table.covariates))]
    design, terms = _design(table, baseline, reference, cells, intervals,
                            person_time.with_quality)
    events, exposure = cells["events"].astype(np.float64), cells["exposure_s"]
    for column, term in enumerate(terms, start=intervals):
        if not events[design[:, column] != 0].sum():
            raise HazardModelError(f"no session left while {term.term}; merge that level with "
                                   f"another or give more quality timelines")
    coef, cov = fit_poisson_rates(design, events, exposure, free=intervals)
    ratios = []
    for column, term in enumerate(terms, start=intervals):
        half = Z_95 * np.sqrt(cov[column, column])
        ratios.append(HazardRatio(term=term.term, hr=float(np.exp(coef[column])),
                                  ci95=(float(np.exp(coef[column] - half)),
                                        float(np.exp(coef[column] + half))),
                                  reference=term.reference, unit=term.unit))
    quality = (" with time-varying quality (covered person-time only)"
               if person_time.with_quality else "")
    method = (f"piecewise-exponential Poisson model, {intervals} watch-time intervals"
              f"{quality}; 95% CI: Wald")
    return HazardModel(ratios=tuple(ratios), interval_edges_s=tuple(edges.tolist()),
                       cells=int(exposure.size), events=person_time.events,
                       person_time_s=person_time.person_time_s, method=method)


def fit_poisson_rates(design: np.ndarray, events: np.ndarray, exposure: np.ndarray,
                      free: int) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood beta of events ~ Poisson(exposure * exp(design @ beta)) and its
    covariance (inverse observed information). The first ``free`` columns are the intervals'
    log baseline rates (a partition of the rows), started at their crude log rate."""
    from scipy import optimize

    scale = max(events.sum(), 1.0)  # keeps the objective O(1) for trust-region tolerances

    def rate(beta: np.ndarray) -> np.ndarray:
        return exposure * np.exp(design @ beta)

    def objective(beta: np.ndarray) -> float:
        return float(rate(beta).sum() - events @ (design @ beta)) / scale

    def gradient(beta: np.ndarray) -> np.ndarray:
        return design.T @ (rate(beta) - events) / scale

    def hessian(beta: np.ndarray) -> np.ndarray:
        return (design * rate(beta)[:, None]).T @ design / scale

    start = np.zeros(design.shape[1])
    crude_rate = events.sum() / exposure.sum()
    start[:free] = np.log(crude_rate)
    fit = optimize.minimize(objective, start, jac=gradient, hess=hessian, method="trust-exact",
                            options={"gtol": 1e-10})
    # Near the optimum the objective's change drops below float precision and trust-exact may
    # stop with "bad approximation"; the score (gradient per event) tells whether it got there.
    score = float(np.max(np.abs(gradient(fit.x))))
    if not fit.success and score > SCORE_TOLERANCE:
        raise HazardModelError(f"the fit did not converge: {fit.message}")
    try:
        return fit.x, np.linalg.inv(hessian(fit.x) * scale)
    except np.linalg.LinAlgError:
        raise HazardModelError("the terms are not separable on these data (singular "
                               "information matrix)") from None


@dataclass(frozen=True)
class _Term:
    term: str
    reference: str | None = None
    unit: str | None = None


def _person_time(con, horizon_s: float, edges: np.ndarray,
                 with_quality: bool) -> dict[str, np.ndarray]:
    """Events and person-time (s) per cell: k, tier_code, stratum_code [, clarity, frozen]."""
    values = ", ".join(f"({k}, {float(lo)!r}, {float(hi)!r})"
                       for k, (lo, hi) in enumerate(zip(edges, edges[1:])))
    sessions = f"""
        SELECT tier_code, stratum_code, stream_id, join_s,
               least(exit_s - join_s, {horizon_s!r}) AS watch_s,
               event AND exit_s - join_s <= {horizon_s!r} AS left_
        FROM {SESSIONS_VIEW}"""
    if not with_quality:
        return con.execute(f"""
            WITH s AS ({sessions}), edges(k, lo, hi) AS (VALUES {values})
            SELECT k, tier_code, stratum_code,
                   sum(least(watch_s, hi) - lo) AS exposure_s,
                   count(*) FILTER (WHERE left_ AND watch_s <= hi) AS events
            FROM s JOIN edges ON watch_s > lo OR k = 0
            GROUP BY ALL
        """).fetchnumpy()
    # Quality is left-continuous: leaving at time x is charged to the run covering the instant
    # just before x (start < x <= end). In both queries interval 0 also takes sessions of zero
    # length, whose leaving has no person-time.
    return con.execute(f"""
        WITH s AS ({sessions}), edges(k, lo, hi) AS (VALUES {values}),
        covered AS (
            SELECT s.tier_code, s.stratum_code, r.clarity, r.frozen,
                   greatest(r.start_s, s.join_s) - s.join_s AS u0,
                   least(r.end_s, s.join_s + s.watch_s) - s.join_s AS u1,
                   s.left_ AND s.join_s + s.watch_s <= r.end_s AS left_here
            FROM s JOIN {QUALITY_VIEW} r
              ON r.stream_id = CAST(s.stream_id AS VARCHAR) AND r.start_s < s.join_s + s.watch_s
             AND r.end_s > s.join_s)
        SELECT k, tier_code, stratum_code, clarity, frozen,
               sum(least(u1, hi) - greatest(u0, lo)) AS exposure_s,
               count(*) FILTER (WHERE left_here AND u1 <= hi) AS events
        FROM covered JOIN edges ON (u1 > lo OR k = 0) AND u0 < hi
        GROUP BY ALL
    """).fetchnumpy()


def _design(table: SessionTable, baseline: int, reference: list[str],
            cells: dict[str, np.ndarray], intervals: int,
            with_quality: bool) -> tuple[np.ndarray, list[_Term]]:
    """Design matrix: interval indicators, tier indicators (vs baseline), covariate level
    indicators (vs the most common level) and, with quality, clarity and frozen."""
    tier_code = cells["tier_code"].astype(int)
    stratum_code = cells["stratum_code"].astype(int)
    columns = [(cells["k"] == k).astype(np.float64) for k in range(intervals)]
    terms: list[_Term] = []
    column_name = table.tier_column
    for i, tier in enumerate(table.tiers):
        if i != baseline:
            columns.append((tier_code == i).astype(np.float64))
            terms.append(_Term(f"{column_name}={tier}",
                               reference=f"{column_name}={table.tiers[baseline]}"))
    for c, name in enumerate(table.covariates):
        level_of_stratum = np.array([stratum[c] for stratum in table.strata])
        for level in sorted(set(level_of_stratum) - {reference[c]}):
            columns.append((level_of_stratum[stratum_code] == level).astype(np.float64))
            terms.append(_Term(f"{name}={level}", reference=f"{name}={reference[c]}"))
    if with_quality:
        columns.append(np.asarray(cells["clarity"], dtype=np.float64))
        terms.append(_Term("clarity", unit=CLARITY_UNIT))
        columns.append(np.asarray(cells["frozen"], dtype=np.float64))
        terms.append(_Term("frozen", unit=FROZEN_UNIT))
    return np.column_stack(columns), terms


def _most_common_level(table: SessionTable, covariate: int) -> str:
    totals: dict[str, int] = {}
    for stratum, n in zip(table.strata, table.counts.sum(axis=0)):
        totals[stratum[covariate]] = totals.get(stratum[covariate], 0) + int(n)
    return max(sorted(totals), key=lambda level: totals[level])
