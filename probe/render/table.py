"""A report as tables for people (rich). No metric is computed here."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from metrics.report import Percentiles, Report

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "not_measured": "dim"}


def _fmt(value: float | int | None, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value}{unit}"
    return f"{value:.{digits}f}{unit}"


def _percentiles(p: Percentiles | None) -> str:
    if p is None:
        return "—"
    return f"{_fmt(p.p50, digits=0)} / {_fmt(p.p95, digits=0)} / {_fmt(p.max, digits=0)} ms"


def _measurements(report: Report) -> list[tuple[str, str, str]]:
    """(section, figure, value) rows for the summary table."""
    v, c, s, lat, n, a = (report.video, report.clarity, report.stutter, report.latency,
                          report.network, report.audio)
    g2g = lat.glass_to_glass_ms
    interval = s.frame_interval_ms
    rows = [
        ("video", "codec / size", f"{v.codec or '—'}  {v.width or '—'}x{v.height or '—'}"),
        ("video", "frames / fps", f"{v.frames}  /  {_fmt(v.fps, ' fps')}"),
        ("clarity", "score (1–5)", _fmt(c.score, digits=2)),
        ("clarity", "sharpness / blur / blockiness / noise",
         f"{_fmt(c.sharpness, digits=0)} / {_fmt(c.blur, digits=2)} / "
         f"{_fmt(c.blockiness, digits=2)} / {_fmt(c.noise, digits=1)}"),
        ("clarity", "effective height", _fmt(c.effective_height, " px")),
        ("clarity", "PSNR / SSIM / VMAF", f"{_fmt(c.psnr_db, ' dB', 1)} / {_fmt(c.ssim, digits=3)}"
                                          f" / {_fmt(c.vmaf, digits=1)}"),
        ("stutter", "score (1–5)", _fmt(s.score, digits=2)),
        ("stutter", "freezes / frozen", f"{s.freeze_count}  /  {_fmt(s.freeze_total_s, ' s', 2)}"),
        ("stutter", "pauses (over 5 s)", f"{s.pause_count}  /  {_fmt(s.pause_total_s, ' s', 2)}"),
        ("stutter", "dropped frames", _fmt(s.dropped_frames)),
        ("stutter", "frame interval p50/p95/max",
         f"{_fmt(interval.p50)} / {_fmt(interval.p95)} / {_fmt(interval.max)} ms"
         if interval else "—"),
        ("latency", "time to first frame", _fmt(lat.time_to_first_frame_ms, " ms", 0)),
        ("latency", "  signaling / gathering / connect / media",
         f"{split.signaling_ms:.0f} / {split.gathering_ms:.0f} / {split.connect_ms:.0f} / "
         f"{split.media_ms:.0f} ms" if (split := lat.time_to_first_frame_split_ms) else "—"),
        ("latency", "glass-to-glass p50/p95/max",
         f"{_percentiles(g2g)}  ({lat.clock})" if g2g else f"not measured  (clock: {lat.clock})"),
        ("latency", "last hop p50/p95/max (rtcp)", _percentiles(lat.last_hop_ms)),
        ("latency", "stamps read", f"{lat.stamps_read_fraction:.1%}"),
        ("latency", "A/V sync (audio lead +)", _fmt(lat.av_sync_ms, " ms", 0)),
        ("network", "bitrate", _fmt(n.bitrate_kbps, " kbps", 0)),
        ("network", "loss / jitter", f"{_fmt(n.loss_fraction, digits=3)}  /  "
                                     f"{_fmt(n.jitter_ms, ' ms')}"),
        ("network", "link loss before repair / retransmitted",
         f"{_fmt(n.link_loss_fraction, digits=3)}  /  {_fmt(n.retransmitted_packets)}"),
        ("network", "NACKs / PLIs", f"{_fmt(n.nacks)}  /  {_fmt(n.plis)}"),
    ]
    if a is not None:
        rows.append(("audio", "gaps / level", f"{a.gap_count} ({_fmt(a.gap_total_s, ' s', 2)})"
                                              f"  /  {_fmt(a.level_dbfs, ' dBFS')}"))
    return rows


def print_report(report: Report, console: Console | None = None) -> None:
    """The report as two tables (measurements, checks) and a verdict line."""
    console = console or Console()
    table = Table(title=f"streamprobe — {report.target.url} ({report.target.protocol}), "
                        f"{report.duration_s:.0f} s", title_justify="left")
    table.add_column("section", style="dim")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for section, name, value in _measurements(report):
        table.add_row(section, name, value)
    console.print(table)
    checks = Table(title="checks", title_justify="left")
    for column in ("check", "value", "warn", "fail", "status"):
        checks.add_column(column, justify="left" if column == "check" else "right")
    for check in report.checks:
        bound = "≥" if check.direction == "min" else "≤"
        checks.add_row(check.name,
                       f"{check.value:.3g} {check.unit}" if check.value is not None else "—",
                       f"{bound} {check.warn:g}" if check.warn is not None else "—",
                       f"{bound} {check.threshold:g}",
                       f"[{STATUS_STYLE[check.status]}]{check.status}[/]")
    console.print(checks)
    console.print(f"verdict: [{STATUS_STYLE[report.verdict]}]{report.verdict.upper()}[/]")
