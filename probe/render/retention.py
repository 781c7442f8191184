"""A retention result for people: rich tables on stdout and a PNG of the curves and uplift.

No statistic is computed here (``metrics.retention`` does that); matplotlib is imported only
when a plot is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.retention import RetentionResult

TIER_COLORS = ("#7f7f7f", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#bcbd22", "#17becf", "#ff7f0e")


def render_tables(result: "RetentionResult") -> None:
    """The result as rich tables on stdout."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    horizon_min = result.horizon_s / 60
    tiers = Table(title=f"Watch time by {result.tier_column}, first {horizon_min:.0f} min "
                        f"({result.sessions:,} sessions, {result.source})")
    for name in ("tier", "sessions", "left", "median", "RMST"):
        tiers.add_column(name, justify="left" if name == "tier" else "right")
    for t in result.tiers:
        median = "not reached" if t.median_s is None else _minutes(t.median_s)
        tiers.add_row(t.tier, f"{t.sessions:,}", f"{t.left:,}", median, _minutes(t.rmst_s))
    console.print(tiers)

    uplift = Table(title="Watch-time uplift (RMST ratio - 1)")
    for name in ("tier", "vs", "naive", "adjusted", "95 % CI"):
        uplift.add_column(name, justify="left" if name in ("tier", "vs") else "right")
    for u in result.uplift:
        uplift.add_row(u.tier, u.baseline, f"{u.naive_pct:+.1f} %", f"{u.adjusted_pct:+.1f} %",
                       f"{u.ci95[0]:+.1f} … {u.ci95[1]:+.1f} %")
    console.print(uplift)
    if result.uplift:
        console.print(f"  adjusted: {result.uplift[0].method}", style="dim")

    if result.hazard is not None:
        hazards = Table(title="Hazard ratios of leaving (< 1: viewers stay longer)")
        for name in ("term", "HR", "95 % CI", "vs / per"):
            hazards.add_column(name, justify="left" if name in ("term", "vs / per") else "right")
        for h in result.hazard.ratios:
            hazards.add_row(h.term, f"{h.hr:.3f}", f"{h.ci95[0]:.3f} … {h.ci95[1]:.3f}",
                            h.reference or h.unit or "")
        console.print(hazards)
        console.print(f"  {result.hazard.method}", style="dim")

    if result.confounding:
        names = [t.tier for t in result.tiers]
        others = [u.tier for u in result.uplift]
        check = Table(title="Confounding check: tier mix of each level, and uplift within it")
        check.add_column("level", no_wrap=True)
        check.add_column(f"share of {' / '.join(names)} sessions", justify="right")
        for tier in others:
            check.add_column(f"uplift {tier}", justify="right")
        for c in result.confounding:
            shares = " / ".join(f"{100 * c.share_by_tier[t]:.0f}" for t in names) + " %"
            ups = ["-" if c.uplift_pct_by_tier[t] is None else f"{c.uplift_pct_by_tier[t]:+.1f} %"
                   for t in others]
            check.add_row(f"{c.covariate}={c.level}", shares, *ups)
        console.print(check)
    for note in result.notes:
        console.print(f"note: {note}", style="yellow")


def write_plot(result: "RetentionResult", path: Path) -> None:
    """PNG: Kaplan-Meier curves per tier (left) and naive vs adjusted uplift with CIs (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (curves, bars) = plt.subplots(1, 2, figsize=(13, 5.2),
                                       gridspec_kw={"width_ratios": [1.6, 1]})
    for i, t in enumerate(result.tiers):
        color = TIER_COLORS[i % len(TIER_COLORS)]
        minutes = [s / 60 for s in t.curve_t_s]
        median = "not reached" if t.median_s is None else f"{t.median_s / 60:.1f} min"
        # Sampled every horizon/240: drawn as a line, the KM steps would only add jaggies.
        curves.fill_between(minutes, [100 * v for v in t.curve_lower],
                            [100 * v for v in t.curve_upper], color=color, alpha=0.18,
                            linewidth=0)
        curves.plot(minutes, [100 * v for v in t.curve_survival], color=color,
                    linewidth=2, label=f"{t.tier}: mean {t.rmst_s / 60:.1f} min, median {median}"
                                       f"  (n={t.sessions:,})")
    curves.set_xlim(0, result.horizon_s / 60)
    curves.set_ylim(0, 100)
    curves.set_xlabel("minutes since joining")
    curves.set_ylabel("viewers still watching (%)")
    curves.set_title(f"Retention by {result.tier_column} (Kaplan-Meier, 95 % band)")
    curves.grid(alpha=0.3)
    curves.legend(loc="upper right", frameon=False, title=f"mean = RMST over the first "
                                                          f"{result.horizon_s / 60:.0f} min")

    labels = [u.tier for u in result.uplift]
    rows = range(len(result.uplift))
    for offset, (name, value, ci, color) in enumerate((
            ("naive", "naive_pct", "naive_ci95", "#9e9e9e"),
            ("adjusted for " + (", ".join(result.covariates) or "nothing"), "adjusted_pct",
             "ci95", "#1f77b4"))):
        ys = [r + (0.15 if offset == 0 else -0.15) for r in rows]
        xs = [getattr(u, value) for u in result.uplift]
        lo = [x - getattr(u, ci)[0] for x, u in zip(xs, result.uplift)]
        hi = [getattr(u, ci)[1] - x for x, u in zip(xs, result.uplift)]
        bars.errorbar(xs, ys, xerr=[lo, hi], fmt="o", color=color, capsize=4, label=name)
        for x, y in zip(xs, ys):
            bars.annotate(f"{x:+.1f} %", (x, y), textcoords="offset points", xytext=(0, 7),
                          ha="center", fontsize=9, color=color)
    bars.axvline(0, color="black", linewidth=0.8)
    ends = [e for u in result.uplift for e in (*u.ci95, *u.naive_ci95, 0.0) if e == e]
    margin = 0.08 * (max(ends) - min(ends) or 1.0)
    bars.set_xlim(min(ends) - margin, max(ends) + margin)
    bars.set_yticks(list(rows), labels)
    bars.set_ylim(-0.6, len(labels) - 0.4)
    bars.set_xlabel(f"watch-time uplift vs {result.uplift[0].baseline} (%, 95 % CI)")
    bars.set_title("Watch-time uplift: naive vs adjusted")
    bars.grid(axis="x", alpha=0.3)
    bars.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"
