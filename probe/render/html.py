"""Reports as one self-contained HTML page: verdict, checks, timelines with events, thumbnails.

The page makes no network request: Bokeh's JavaScript (the ``bokeh`` package's own build,
1.3 MB, inlined once per page whatever the number of reports) draws the timelines, and the
thumbnails are data URIs. Bokeh was chosen over the alternatives a pip install can inline:
Plotly's bundle is 3.6 MB (most of a 5 MB budget for an hour-long watch), matplotlib gives
pictures without zoom or hover, and a hand-vendored uPlot would be third-party code in this
repository. Several reports sit side by side: each metric's plots share one time axis and one
value range, so a glance compares them. Long runs are reduced to ``MAX_POINTS`` points per
series, keeping each bucket's minimum and maximum so a dip or a spike stays visible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.errors import InputError

MAX_POINTS = 1500  # per series and report: an hour at one row a second is 3600 rows
PLOT_HEIGHT_PX = 150
STATUS_COLORS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e"}
EVENT_COLORS = {"source_change": "#0969da", "ssrc_change": "#8250df",
                "keyframe_request": "#bf8700", "timestamp_jump": "#57606a",
                "outage": "#953800"}  # the report's event kinds, and a watch's outages
FREEZE_COLOR = "#cf222e"


@dataclass(frozen=True)
class Summary:
    """A table shown above the reports (a bench's cases, a comparison's ranking): rows of
    cells, the first cell of each row its status ("pass", "warn", "fail" or "")."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Series:
    """One timeline metric: its key in a timeline row, its label and unit."""

    key: str
    label: str
    unit: str


SERIES = (
    Series("fps", "frame rate", "fps"),
    Series("bitrate_kbps", "bitrate", "kbps"),
    Series("latency_ms", "glass-to-glass", "ms"),
    Series("clarity", "clarity", "1–5"),
    Series("loss_fraction", "loss", "ratio"),
    Series("audio_level_dbfs", "audio level", "dBFS"),
)


def downsample(t_s: Sequence[float], values: Sequence[float | None],
               max_points: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """At most ``max_points`` (t, value) points: per bucket of consecutive rows, the minimum and
    the maximum in their time order; missing values are dropped."""
    points = [(t, v) for t, v in zip(t_s, values) if v is not None and math.isfinite(v)]
    if len(points) <= max_points:
        return [t for t, _ in points], [v for _, v in points]
    size = math.ceil(len(points) / (max_points // 2))
    xs: list[float] = []
    ys: list[float] = []
    for start in range(0, len(points), size):
        bucket = points[start:start + size]
        low, high = min(bucket, key=lambda p: p[1]), max(bucket, key=lambda p: p[1])
        for t, v in sorted({low, high}):
            xs.append(t)
            ys.append(v)
    return xs, ys


def _label(report: dict[str, Any], index: int) -> str:
    target = report.get("target") or {}
    return f"#{index + 1} {target.get('url', '?')} ({target.get('protocol', '?')})"


def _plots(reports: list[dict[str, Any]]) -> list[tuple[Series, list[Any]]]:
    """For each metric some report measured: one Bokeh figure per report, sharing axes."""
    from bokeh.models import HoverTool, Range1d
    from bokeh.plotting import figure

    end_s = max([float(r.get("duration_s") or 0) for r in reports] + [1.0])
    x_range = Range1d(0, end_s)
    rows = []
    for series in SERIES:
        columns = []
        for report in reports:
            timeline = report.get("timeline") or []
            columns.append(downsample([row["t_s"] for row in timeline],
                                      [row.get(series.key) for row in timeline]))
        values = [v for _, ys in columns for v in ys]
        if not values:
            continue
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
        y_range = Range1d(low - pad, high + pad)
        figures = []
        for report, (xs, ys) in zip(reports, columns):
            plot = figure(height=PLOT_HEIGHT_PX, sizing_mode="stretch_width", x_range=x_range,
                          y_range=y_range, tools="xpan,xwheel_zoom,box_zoom,reset,save",
                          toolbar_location="right", x_axis_label="s",
                          y_axis_label=series.unit, name=f"{series.key}-plot")
            plot.title.text = series.label
            _mark_events(plot, report, (low - pad, high + pad))
            line = plot.line(xs, ys, line_width=1.5, color="#24292f", name=series.key)
            plot.add_tools(HoverTool(renderers=[line], tooltips=[
                ("t", "@x{0.0} s"), (series.label, f"@y{{0.[000]}} {series.unit}")]))
            figures.append(plot)
        rows.append((series, figures))
    return rows


def _mark_events(plot: Any, report: dict[str, Any], y_span: tuple[float, float]) -> None:
    """Freezes as shaded spans with a marker at their start (renderers "freezes" and
    "freeze_markers"), other timeline events as vertical lines
    (renderer "events"), both with a hover text."""
    from bokeh.models import ColumnDataSource, HoverTool

    freezes = (report.get("stutter") or {}).get("freezes") or []
    source = ColumnDataSource({
        "left": [f["start_s"] for f in freezes],
        "right": [f["start_s"] + f["duration_s"] for f in freezes],
        "what": [f"{f['kind']} freeze, {f['duration_s']:.2f} s" for f in freezes]})
    spans = plot.quad(left="left", right="right", bottom=y_span[0], top=y_span[1],
                      source=source, fill_color=FREEZE_COLOR, fill_alpha=0.18, line_alpha=0,
                      name="freezes")
    # A marker too: at an hour's scale a short freeze's span is thinner than a pixel.
    ticks = plot.scatter(x="left", y=y_span[1], source=source, marker="inverted_triangle",
                         size=8, color=FREEZE_COLOR, name="freeze_markers")
    plot.add_tools(HoverTool(renderers=[spans, ticks],
                             tooltips=[("", "@what"), ("at", "@left{0.0} s")]))
    events = report.get("events") or []
    lines = ColumnDataSource({
        "x": [e["t_s"] for e in events],
        "what": [f"{e['kind']}: {e.get('detail', '')}" for e in events],
        "color": [EVENT_COLORS.get(e["kind"], "#57606a") for e in events]})
    marks = plot.segment(x0="x", x1="x", y0=y_span[0], y1=y_span[1], source=lines,
                         color="color", line_width=1.5, line_dash="dashed", name="events")
    plot.add_tools(HoverTool(renderers=[marks], tooltips=[("", "@what"), ("at", "@x{0.0} s")]))


def _fmt(value: Any, unit: str = "") -> str:
    """A figure for people: whole numbers from 100 up, three significant digits below."""
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return f"{text} {unit}".strip()
    return f"{value} {unit}".strip()


def _figures(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline figures of a report as (name, text) rows."""
    video, clarity = report.get("video") or {}, report.get("clarity") or {}
    stutter, latency = report.get("stutter") or {}, report.get("latency") or {}
    network = report.get("network") or {}
    g2g = latency.get("glass_to_glass_ms") or {}
    return [
        ("video", f"{video.get('codec') or '—'} {video.get('width') or '—'}x"
                  f"{video.get('height') or '—'}, {_fmt(video.get('fps'), 'fps')}"),
        ("clarity", f"{_fmt(clarity.get('score'))} (effective height "
                    f"{_fmt(clarity.get('effective_height'), 'px')})"),
        ("stutter", f"{_fmt(stutter.get('score'))}: {stutter.get('freeze_count', 0)} freezes, "
                    f"{_fmt(stutter.get('freeze_total_s'), 's')} frozen"),
        ("glass-to-glass", f"p50 {_fmt(g2g.get('p50'), 'ms')}, p95 {_fmt(g2g.get('p95'), 'ms')}"
                           f" ({latency.get('clock', '—')})"),
        ("time to first frame", _fmt(latency.get("time_to_first_frame_ms"), "ms")),
        ("network", f"{_fmt(network.get('bitrate_kbps'), 'kbps')}, loss "
                    f"{_fmt(network.get('loss_fraction'))}, RTT {_fmt(latency.get('rtt_ms'), 'ms')}"),
    ]


def thumbnail_groups(thumbnails: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Thumbnails (a report's ``thumbnails``) grouped by the moment they show, each freeze,
    each low-clarity moment, as ``{moment, t_s, images}`` in time order."""
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for thumb in thumbnails:
        key = (thumb.get("moment", "moment"), int(thumb.get("moment_index", 0)))
        group = groups.setdefault(key, {"moment": key[0], "t_s": thumb["t_s"], "images": []})
        group["images"].append(thumb)
    return sorted(groups.values(), key=lambda g: g["t_s"])


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 12px;
       color: #24292f; }
h1 { font-size: 1.35em; margin: 0.3em 0; } h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
.cards, .row { display: grid; gap: 12px;
               grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px; break-inside: avoid; }
.verdict { font-size: 1.4em; font-weight: 700; }
.pass { color: #1a7f37; } .warn { color: #9a6700; } .fail { color: #cf222e; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
td, th { padding: 2px 6px; border-bottom: 1px solid #eaeef2; text-align: left; }
td { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.thumbs { display: flex; flex-wrap: wrap; gap: 10px; }
figure.moment { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px; }
figure.moment img { width: 120px; height: auto; image-rendering: auto; display: inline-block; }
figcaption { font-size: 0.85em; color: #57606a; }
.legend span { margin-right: 1em; white-space: nowrap; }
.notes li { color: #57606a; }
@media print { .bk-toolbar, .bk-toolbar-box { display: none !important; }
               body { max-width: none; } .card, .row { break-inside: avoid; } }
</style>
<script>{{ bokeh_js | safe }}</script>
{{ plot_script | safe }}
</head><body>
<h1>{{ title }}</h1>
{% for s in summaries %}<h2>{{ s.title }}</h2><div class="scroll"><table class="summary">
<tr>{% for c in s.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in s.rows %}<tr>{% for cell in row %}<td class="{{ row[0] if loop.first else '' }}">{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table></div>{% endfor %}
<div class="cards">
{% for r in reports %}<div class="card" data-report="{{ loop.index0 }}">
  <div>{{ r.label }}</div>
  <div class="verdict {{ r.verdict }}">{{ r.verdict | upper }}</div>
  <div>{{ r.duration }} · {{ r.started_at }}</div>
  <table>{% for name, text in r.figures %}<tr><th>{{ name }}</th><td>{{ text }}</td></tr>{% endfor %}</table>
  <h2>checks</h2>
  <div class="scroll"><table><tr><th>check</th><th>value</th><th>warn</th><th>fail</th><th>status</th></tr>
  {% for c in r.checks %}<tr><td>{{ c.name }}</td><td class="num">{{ c.value }}</td>
  <td class="num">{{ c.warn }}</td><td class="num">{{ c.fail }}</td>
  <td class="{{ c.status }}">{{ c.status }}</td></tr>{% endfor %}</table></div>
  {% if r.notes %}<ul class="notes">{% for n in r.notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
</div>{% endfor %}
</div>
<h2>timelines</h2>
<div class="legend"><span style="color:{{ freeze_color }}">▮ freeze</span>
{% for kind, color in event_colors %}<span style="color:{{ color }}">┆ {{ kind }}</span>{% endfor %}</div>
{% for series, divs in plot_rows %}<div class="row" data-series="{{ series.key }}">
{% for div in divs %}<div>{{ div | safe }}</div>{% endfor %}</div>{% endfor %}
<h2>moments</h2>
{% for r in reports %}<div class="card"><div>{{ r.label }}</div>
{% if not r.moments %}<p>no freezes or low-clarity moments were kept.</p>{% endif %}
<div class="thumbs">{% for m in r.moments %}<figure class="moment" data-moment="{{ m.moment }}">
{% for img in m.images %}<img class="thumb" alt="{{ img.role }} at {{ '%.2f' % img.t_s }} s"
 title="{{ img.role }} at {{ '%.2f' % img.t_s }} s" src="data:image/jpeg;base64,{{ img.jpeg }}">{% endfor %}
<figcaption>{{ m.moment | replace('_', ' ') }} at {{ '%.1f' % m.t_s }} s</figcaption></figure>{% endfor %}</div>
</div>{% endfor %}
</body></html>
"""


def render_html(reports: list[dict[str, Any]], title: str = "streamprobe report",
                summaries: Sequence[Summary] = (), labels: Sequence[str] | None = None) -> str:
    """The page for one or more report dicts (their JSON form), side by side, under optional
    summary tables; ``labels`` name the reports (default: their target)."""
    import jinja2
    from bokeh.embed import components
    from bokeh.resources import Resources

    if not reports:
        raise InputError("no report to render")
    plot_rows = _plots(reports)
    script, divs = components([plot for _, figures in plot_rows for plot in figures])
    per_row = iter(divs)
    cards = []
    for index, report in enumerate(reports):
        cards.append({
            "label": labels[index] if labels else _label(report, index), "verdict": report.get("verdict", "fail"),
            "duration": f"{float(report.get('duration_s') or 0):.0f} s",
            "started_at": report.get("started_at") or "",
            "figures": _figures(report),
            "checks": [{"name": c["name"], "value": _fmt(c["value"], c.get("unit", "")),
                        "warn": _fmt(c.get("warn")), "fail": _fmt(c.get("threshold")),
                        "status": c["status"]} for c in report.get("checks") or []],
            "notes": report.get("notes") or [],
            "moments": thumbnail_groups(report.get("thumbnails") or [])})
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(PAGE).render(
        title=title, reports=cards,
        bokeh_js="\n".join(Resources(mode="inline", components=["bokeh"]).js_raw),
        plot_script=script, freeze_color=FREEZE_COLOR, summaries=summaries,
        event_colors=[(kind, color) for kind, color in EVENT_COLORS.items()
                      if any(e["kind"] == kind for r in reports for e in r.get("events") or [])],
        plot_rows=[(series, [next(per_row) for _ in figures]) for series, figures in plot_rows])


def write_html(reports: list[dict[str, Any]], path: Path, title: str = "streamprobe report",
               summaries: Sequence[Summary] = (), labels: Sequence[str] | None = None) -> None:
    """Write the page for ``reports`` (see ``render_html``) to ``path``."""
    text = render_html(reports, title, summaries, labels)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from err
