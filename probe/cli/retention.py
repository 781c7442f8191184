"""``streamprobe retention``: how stream quality moves viewer watch time.

Thin, like every command (STYLE.md): parse the options, call
``metrics.retention.analyze_retention``, render the ``RetentionResult`` with
``probe.render.retention`` (rich tables, a PNG of the curves) and as JSON (contract
``streamprobe.retention/1``). The analysis and matplotlib are imported inside the command so that
``streamprobe --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from metrics.retention.analysis import BOOTSTRAP_REPLICATES
from probe.errors import InputError


@click.command("retention")
@click.argument("sessions", metavar="SESSIONS")
@click.option("--tier", "tier_column", required=True, metavar="COLUMN",
              help="Column holding each session's quality tier (at most 20 levels).")
@click.option("--baseline", metavar="VALUE",
              help="Tier the others are compared with [default: first tier in natural order, "
                   "e.g. 360p before 1080p].")
@click.option("--covariate", "covariates", multiple=True, metavar="COLUMN",
              help="Covariate to adjust for (device, region, entry source...); repeatable. "
                   "Missing values form their own level.")
@click.option("--observed-until", metavar="TS",
              help="When the data was exported (epoch s or ISO 8601); empty leave_ts means still "
                   "watching then [default: the latest timestamp in SESSIONS].")
@click.option("--quality", "quality_reports", multiple=True, metavar="TIMELINE",
              help="streamprobe report JSON with a per-second timeline, a `watch "
                   "--timeline` file (.jsonl, rows keyed by ts and stream_id), or a fleet's "
                   "Parquet timeline (its parquet directory or a .parquet file); repeatable. "
                   "Joined to sessions by stream (key stream_id, else the file name without "
                   "suffix) and wall-clock time (key started_at = time of t_s 0) for "
                   "time-varying hazard ratios of clarity and freezes.")
@click.option("--horizon", "horizon_s", type=float, metavar="S",
              help="RMST horizon in seconds [default: the shortest, over tiers, of the longest "
                   "follow-up (Tian et al. 2020)].")
@click.option("--bootstrap", "replicates", type=click.IntRange(min=1),
              default=BOOTSTRAP_REPLICATES,
              show_default=True, metavar="N", help="Viewer bootstrap replicates for the CI.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--skip-bad-rows", is_flag=True,
              help="Skip unusable rows (reported with a count per reason) instead of failing.")
@click.option("--json", "json_path", metavar="PATH|-",
              help="Write the JSON result to PATH, or print only the JSON with '-'.")
@click.option("--plot", "plot_path", metavar="FILE.png", help="Write the retention curves as PNG.")
def retention(sessions: str, tier_column: str, baseline: str | None, covariates: tuple[str, ...],
              observed_until: str | None, quality_reports: tuple[str, ...],
              horizon_s: float | None, replicates: int, seed: int, skip_bad_rows: bool,
              json_path: str | None, plot_path: str | None) -> None:
    """Quality-to-retention effect: watch time per quality tier and its uplift.

    SESSIONS is a CSV or Parquet file with viewer_id, stream_id, join_ts, leave_ts (epoch s or
    ISO 8601; empty leave_ts = still watching at --observed-until), the tier column and any
    covariates. Prints Kaplan-Meier median and restricted mean watch time (RMST) per tier, the
    RMST uplift of each tier over the baseline, naive and standardised over the covariates with
    a 95 % CI (bootstrap over viewers), hazard ratios (piecewise-exponential model on aggregated
    person-time), and a per-level confounding check.

    Exit codes: 0 analysed, 2 bad input (the message names file, row and column).
    """
    from metrics.retention import RetentionInputError, analyze_retention, parse_time_s

    if plot_path is not None and not plot_path.lower().endswith(".png"):
        raise InputError(f"--plot {plot_path}: expected a .png file name")
    try:
        until = parse_time_s(observed_until, "--observed-until") if observed_until else None
        result = analyze_retention(
            sessions, tier_column, baseline=baseline, covariates=covariates,
            observed_until_s=until, quality_reports=quality_reports, horizon_s=horizon_s,
            bootstrap_replicates=replicates, seed=seed, skip_bad_rows=skip_bad_rows)
    except RetentionInputError as err:
        raise InputError(str(err)) from None

    from probe.render.json_file import write_json
    from probe.render.retention import render_tables, write_plot

    if json_path:
        write_json(result.to_dict(), json_path)
    if json_path != "-":
        render_tables(result)
    if plot_path:
        try:
            write_plot(result, Path(plot_path))
        except OSError as err:
            raise InputError(f"{err.filename}: cannot write: {err.strerror}") from None
