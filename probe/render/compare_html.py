"""The compare as one self-contained HTML page: the recommendation, the ranked runs, the
BD-rates and the rate-quality plot inlined as PNG (no network request). Jinja2 escapes."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from metrics.compare import CompareResult
from probe.errors import InputError
from probe.render.compare_plot import rate_quality_png

COLUMNS = (("delivered_kbps", "kbps", 0), ("vmaf", "VMAF", 1), ("psnr_db", "PSNR dB", 1),
           ("ssim", "SSIM", 3), ("clarity_score", "clarity", 2),
           ("glass_to_glass_p50_ms", "g2g p50 ms", 0), ("encode_cores", "cores", 2))

PAGE = jinja2.Template("""<!doctype html>
<html><head><meta charset="utf-8"><title>streamprobe compare</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td.l,th.l{text-align:left}</style>
</head><body>
<h1>Encoder settings compared</h1>
<p><b>Recommendation:</b> {{ result.recommendation }}</p>
<table><tr><th>#</th><th class="l">setting</th><th class="l">impairment</th>
{% for _, title, _ in columns %}<th>{{ title }}</th>{% endfor %}
<th>freezes/min</th><th>runs</th></tr>
{% for s in result.ranked %}<tr><td>{{ loop.index }}</td>
<td class="l">{{ s.setting.describe(varied) }}</td>
<td class="l">{{ s.impairment }}</td>
{% for key, _, digits in columns %}<td>{{ fmt(s.figure(key), digits) }}</td>{% endfor %}
<td>{{ fmt(s.freezes_per_min, 1) }}</td><td>{{ s.repeats }}</td></tr>
{% endfor %}</table>
<h2>BD-rate ({{ result.quality_metric or "none" }})</h2><ul>
{% for bd in result.bd_rate %}<li>{{ bd.impairment }}: {{ bd.test }} vs {{ bd.anchor }}:
{% if bd.pct is not none %}{{ "%+.1f"|format(bd.pct) }} %
{% else %}not computed: {{ bd.reason }}{% endif %}</li>
{% endfor %}</ul>
{% if png %}<img alt="rate-quality curves" src="data:image/png;base64,{{ png }}">{% endif %}
</body></html>
""", autoescape=True)


def _fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_compare_html(result: CompareResult, varied: tuple[str, ...], path: Path) -> None:
    """Write the page to ``path``."""
    png = (base64.b64encode(rate_quality_png(result, varied)).decode()
           if result.quality_metric else None)
    page = PAGE.render(result=result, varied=varied or ("codec",), columns=COLUMNS, fmt=_fmt,
                       png=png)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from err
