"""The compare's ranked table for people (rich), with its BD-rates and recommendation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from metrics.compare import CompareResult
from probe.render.table import _fmt


def _spread(low_high: tuple[float, float] | None, digits: int = 1) -> str:
    if low_high is None or low_high[0] == low_high[1]:
        return ""
    return f" ({low_high[0]:.{digits}f}-{low_high[1]:.{digits}f})"


def print_compare(result: CompareResult, varied: tuple[str, ...],
                  console: Console | None = None) -> None:
    """Ranked settings (medians, min-max across repeats in brackets), BD-rates, the line."""
    console = console or Console()
    impairments = sorted({s.impairment for s in result.ranked})
    title = f"settings ranked by {result.quality_metric or 'nothing measured'}"
    table = Table(title=title if len(impairments) > 1 else f"{title} · {impairments[0]}"
                  if impairments else title)
    columns = [
        ("#", lambda rank, s: str(rank)),
        ("setting", lambda rank, s: s.setting.describe(varied or ("codec",))),
        ("impairment", lambda rank, s: s.impairment),
        ("kbps", lambda rank, s: _fmt(s.figure("delivered_kbps"), digits=0)
         + _spread(s.spread["delivered_kbps"], 0)),
        ("VMAF", lambda rank, s: _fmt(s.figure("vmaf")) + _spread(s.spread["vmaf"])),
        ("PSNR", lambda rank, s: _fmt(s.figure("psnr_db")) + _spread(s.spread["psnr_db"])),
        ("SSIM", lambda rank, s: _fmt(s.figure("ssim"), digits=3)),
        ("clarity", lambda rank, s: _fmt(s.figure("clarity_score"), digits=2)),
        ("frz/min", lambda rank, s: _fmt(s.freezes_per_min)
         + _spread(s.spread["freeze_count"], 0)),
        ("g2g ms", lambda rank, s: _fmt(s.figure("glass_to_glass_p50_ms"), digits=0)),
        ("cores", lambda rank, s: _fmt(s.figure("encode_cores"), digits=2)
         + ("" if s.kept_real_time in (True, None) else " slow")),
        ("NACKs", lambda rank, s: _fmt(s.figure("nacks"), digits=0)),
        ("n", lambda rank, s: str(s.repeats)),
    ]
    # A column nobody measured (VMAF live, glass-to-glass offline), or one profile, is left out.
    figure_of = {"VMAF": "vmaf", "g2g ms": "glass_to_glass_p50_ms", "cores": "encode_cores",
                 "NACKs": "nacks"}
    shown = [(name, cell) for name, cell in columns
             if not (name == "impairment" and len(impairments) < 2)
             and not (name in figure_of
                      and all(s.figure(figure_of[name]) is None for s in result.ranked))]
    for name, _ in shown:
        table.add_column(name, justify="left" if name in ("setting", "impairment") else "right",
                         no_wrap=name == "setting")
    for rank, s in enumerate(result.ranked, start=1):
        table.add_row(*(cell(rank, s) for _, cell in shown))
    console.print(table)
    for bd in result.bd_rate:
        figure = f"{bd.pct:+.1f} %" if bd.pct is not None else f"not computed: {bd.reason}"
        console.print(f"BD-rate ({bd.metric}, {bd.impairment}) {bd.test} vs {bd.anchor}: {figure}")
    for note in result.notes:
        console.print(f"note: {note}")
    console.print(f"[bold]recommendation:[/bold] {result.recommendation}")
