"""The retention analysis end to end: sessions (+ quality timelines) in, ``RetentionResult`` out.

Steps, each in its own module: read and check the sessions (``sessions``), reduce them with
DuckDB to a grid of watch times per tier and covariate stratum (``grid``), Kaplan-Meier curves,
medians and RMST per tier (``kaplan_meier``, lifelines), naive and standardised RMST uplift with
a viewer bootstrap CI (``uplift``), the stratified confounding check (``confounding``), and hazard
ratios from a piecewise-exponential model on aggregated person-time, with time-varying quality
when report timelines are given (``timelines``, ``hazard``).

Horizon: RMST is the mean watch time with every session cut at ``horizon_s``. Without an explicit
horizon the default is the shortest, over tiers, of each tier's longest follow-up, so that every
tier's curve is observed up to the horizon (Tian et al. 2020, "On the empirical choice of the
time window for restricted mean survival time", Biometrics 76:1157).
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics.retention.confounding import LevelComparison, compare_within_levels
from metrics.retention.errors import RetentionInputError
from metrics.retention.grid import aggregate_grid
from metrics.retention.hazard import (
    HazardModel,
    HazardModelError,
    PersonTime,
    aggregate_person_time,
    fit_hazard_model,
)
from metrics.retention.kaplan_meier import TierRetention, tier_retention
from metrics.retention.sessions import (
    MIN_TIER_SESSIONS,
    SESSIONS_VIEW,
    BadRows,
    open_sessions,
)
from metrics.retention.timelines import load_quality_reports, register_quality
from metrics.retention.uplift import Uplift, estimate_uplift

RETENTION_SCHEMA = "streamprobe.retention/1"
BOOTSTRAP_REPLICATES = 500
# DuckDB spills to disk beyond this, so 10M-session files stay within a shared machine's memory.
DUCKDB_MEMORY_LIMIT = "2GB"
JSON_DECIMALS = 6


@dataclass(frozen=True)
class QualityCoverage:
    """How much of the sessions' person-time (up to the horizon) had a quality timeline."""

    reports: int
    streams: int
    timeline_seconds: int
    timeline_seconds_without_clarity: int
    person_time_s: float
    covered_person_time_s: float
    events: int
    covered_events: int


@dataclass(frozen=True)
class RetentionResult:
    """Everything ``streamprobe retention`` reports; ``to_dict`` is the JSON contract."""

    source: str
    tier_column: str
    covariates: tuple[str, ...]
    horizon_s: float
    observed_until_s: float
    viewers_with_repeat_sessions: int
    tiers: tuple[TierRetention, ...]
    uplift: tuple[Uplift, ...]
    hazard: HazardModel | None
    confounding: tuple[LevelComparison, ...]
    skipped: tuple[BadRows, ...]
    quality: QualityCoverage | None
    notes: tuple[str, ...]

    @property
    def sessions(self) -> int:
        return sum(t.sessions for t in self.tiers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the contract keys first, then the additions. Floats are rounded to
        ``JSON_DECIMALS`` places; a value that could not be estimated (NaN) is null."""
        return _json_ready({
            "schema": RETENTION_SCHEMA,
            "horizon_s": self.horizon_s,
            "tiers": [{"tier": t.tier, "sessions": t.sessions, "median_s": t.median_s,
                       "rmst_s": t.rmst_s, "left": t.left,
                       "curve": {"t_s": list(t.curve_t_s), "survival": list(t.curve_survival),
                                 "lower95": list(t.curve_lower), "upper95": list(t.curve_upper)}}
                      for t in self.tiers],
            "uplift": [{"tier": u.tier, "baseline": u.baseline, "naive_pct": u.naive_pct,
                        "adjusted_pct": u.adjusted_pct, "ci95": list(u.ci95), "method": u.method,
                        "naive_ci95": list(u.naive_ci95), "strata_used": u.strata_used,
                        "sessions_outside_overlap": u.sessions_outside_overlap,
                        "bootstrap_replicates": u.replicates,
                        "undefined_replicates": u.undefined_replicates}
                       for u in self.uplift],
            "hazard_ratios": [{"term": h.term, "hr": h.hr, "ci95": list(h.ci95),
                               "reference": h.reference, "unit": h.unit}
                              for h in (self.hazard.ratios if self.hazard else ())],
            "hazard_model": None if self.hazard is None else {
                "method": self.hazard.method,
                "interval_edges_s": list(self.hazard.interval_edges_s),
                "cells": self.hazard.cells, "events": self.hazard.events,
                "person_time_s": self.hazard.person_time_s},
            "confounding": {
                "naive_minus_adjusted_pp": {u.tier: u.naive_pct - u.adjusted_pct
                                            for u in self.uplift},
                "levels": [{"covariate": c.covariate, "level": c.level, "sessions": c.sessions,
                            "share_by_tier": c.share_by_tier,
                            "uplift_pct_by_tier": c.uplift_pct_by_tier}
                           for c in self.confounding]},
            "source": self.source,
            "tier_column": self.tier_column,
            "covariates": list(self.covariates),
            "sessions": self.sessions,
            "viewers_with_repeat_sessions": self.viewers_with_repeat_sessions,
            "observed_until_s": self.observed_until_s,
            "skipped_rows": [{"reason": b.reason, "column": b.column, "rows": b.count,
                              "first_row": b.first_row} for b in self.skipped],
            "quality": None if self.quality is None else dataclasses.asdict(self.quality),
            "notes": list(self.notes),
        })


def analyze_retention(
    sessions: Any,
    tier_column: str,
    baseline: str | None = None,
    covariates: tuple[str, ...] | list[str] = (),
    observed_until_s: float | None = None,
    quality_reports: tuple[str | Path, ...] | list[str | Path] = (),
    horizon_s: float | None = None,
    bootstrap_replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = 0,
    skip_bad_rows: bool = False,
) -> RetentionResult:
    """Quality-to-retention analysis of ``sessions`` (path to .csv/.parquet, DataFrame or Arrow
    table) by ``tier_column``; see the module docstring for the methods.

    ``baseline`` defaults to the first tier in natural order ("360p" before "1080p").
    ``observed_until_s`` (epoch s) is when the data was exported; default the latest timestamp.
    Raises ``RetentionInputError`` for input that cannot be analysed.
    """
    import duckdb

    covariates = tuple(covariates)
    if bootstrap_replicates < 1:
        raise RetentionInputError(f"bootstrap replicates must be at least 1, "
                                  f"got {bootstrap_replicates}")
    runs = load_quality_reports(quality_reports) if quality_reports else None
    with tempfile.TemporaryDirectory(prefix="streamprobe-duckdb-") as spill:
        con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT,
                                     "temp_directory": spill})
        try:
            # No progress bar: DuckDB would draw it on stdout for queries of more than 2 s.
            con.execute("SET enable_progress_bar = false")
            con.execute("SET TimeZone = 'UTC'")
            table = open_sessions(con, sessions, tier_column, covariates, observed_until_s,
                                  skip_bad_rows)
            if baseline is None:
                base = 0
            elif baseline in table.tiers:
                base = table.tiers.index(baseline)
            elif baseline in dict(table.small_tiers):
                raise RetentionInputError(
                    f"{table.label}: column {tier_column}: baseline tier {baseline!r} has only "
                    f"{dict(table.small_tiers)[baseline]} sessions, too few to estimate; choose "
                    f"another --baseline (tiers: {', '.join(table.tiers)})")
            else:
                raise RetentionInputError(
                    f"{table.label}: column {tier_column}: baseline tier {baseline!r} has no "
                    f"usable sessions (tiers present: {', '.join(table.tiers)})")
            if len(table.tiers) < 2:
                raise RetentionInputError(
                    f"{table.label}: column {tier_column}: only tier {table.tiers[0]!r} has "
                    f"sessions; an uplift needs two tiers")
            notes = [f"tier {tier!r}: {n} session{'s' if n != 1 else ''}, too few to estimate "
                     f"(fewer than {MIN_TIER_SESSIONS}); left out" for tier, n in table.small_tiers]
            horizon = _horizon(table, horizon_s, notes)
            grid = aggregate_grid(con, table, horizon)
            if runs is not None:
                register_quality(con, runs)
            person_time = aggregate_person_time(con, grid, with_quality=runs is not None)
            coverage = None if runs is None else _coverage(con, runs, horizon, person_time)
        finally:
            con.close()
    # The rest works on the aggregates only.
    tiers = tier_retention(grid, table.tiers)
    uplift = estimate_uplift(grid, table.tiers, covariates, base, bootstrap_replicates, seed)
    confounding = compare_within_levels(grid, table.tiers, covariates, table.strata, base)
    try:
        hazard = fit_hazard_model(person_time, table, base)
    except HazardModelError as err:
        hazard = None
        notes.append(f"hazard ratios not estimated: {err}")
    notes.extend(_notes(table, tiers, uplift, coverage))
    return RetentionResult(
        source=table.label, tier_column=tier_column, covariates=covariates, horizon_s=horizon,
        observed_until_s=table.observed_until_s,
        viewers_with_repeat_sessions=grid.repeat_viewers, tiers=tiers, uplift=uplift,
        hazard=hazard, confounding=confounding, skipped=table.skipped, quality=coverage,
        notes=tuple(notes))


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float):
        return round(value, JSON_DECIMALS) if math.isfinite(value) else None
    return value


def _horizon(table, horizon_s: float | None, notes: list[str]) -> float:
    shortest = min(table.max_follow_up_s)
    if horizon_s is None:
        if shortest <= 0:
            raise RetentionInputError(f"{table.label}: no tier has any follow-up time; "
                                      f"pass --horizon")
        notes.append(f"horizon_s = {shortest:.0f}: the shortest, over tiers, of the longest "
                     f"follow-up (Tian et al. 2020); set it with --horizon")
        return float(shortest)
    if horizon_s <= 0:
        raise RetentionInputError(f"horizon must be positive, got {horizon_s}")
    for tier, follow_up in zip(table.tiers, table.max_follow_up_s):
        if follow_up < horizon_s:
            notes.append(f"tier {tier} is followed up to {follow_up:.0f} s only, less than the "
                         f"horizon; its curve is carried flat beyond")
    return float(horizon_s)


def _coverage(con, runs, horizon_s: float, person_time: PersonTime) -> QualityCoverage:
    [(person_time_s, events)] = con.execute(f"""
        SELECT sum(least(exit_s - join_s, {horizon_s!r})),
               count(*) FILTER (WHERE event AND exit_s - join_s <= {horizon_s!r})
        FROM {SESSIONS_VIEW}
    """).fetchall()
    return QualityCoverage(
        reports=runs.reports, streams=len(set(runs.stream_id)), timeline_seconds=runs.seconds,
        timeline_seconds_without_clarity=runs.seconds_without_clarity,
        person_time_s=float(person_time_s or 0.0), covered_person_time_s=person_time.person_time_s,
        events=int(events), covered_events=person_time.events)


def _notes(table, tiers, uplift, coverage) -> list[str]:
    notes = []
    if table.skipped:
        notes.append("skipped rows: " + "; ".join(
            f"{b.count} x {b.reason} in {b.column} (first: row {b.first_row})"
            for b in table.skipped))
    for t in tiers:
        if t.median_s is None:
            notes.append(f"tier {t.tier}: median watch time not reached within the horizon")
    for u in uplift:
        if u.sessions_outside_overlap:
            notes.append(f"{u.tier} vs {u.baseline}: {u.sessions_outside_overlap} sessions in "
                         f"strata without both tiers are left out of the adjusted estimate")
        if u.undefined_replicates:
            notes.append(f"{u.tier} vs {u.baseline}: {u.undefined_replicates} bootstrap "
                         f"replicates lost a tier in some stratum and were not used")
    if coverage is not None and coverage.covered_person_time_s < coverage.person_time_s:
        share = coverage.covered_person_time_s / coverage.person_time_s
        notes.append(f"quality timelines cover {100 * share:.1f} % of person-time; the hazard "
                     f"model uses that part only")
    return notes
