"""The HTML report at an hour's length: file size, and time to open in headless Chromium.

Renders a one-hour watch report (``fixtures/reports/long_watch.py``, or ``--report FILE``: a
real one, e.g. from ``bench/bench_soak.py``) with ``streamprobe report``, then opens it in
headless Debian Chromium (Playwright) and times from navigation until every plot is drawn
(Bokeh's document reports itself idle), with no network request allowed. Floors (HTML issue):
under 5 MB, and opens in under 2 s (median of 3; 1 with --quick).

Usage: python bench/bench_html_report.py [--quick] [--report FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.reports.long_watch import long_watch_report  # noqa: E402
from tests.support.chromium import chromium  # noqa: E402

MAX_BYTES = 5 * 1024 * 1024
MAX_OPEN_S = 2.0
IDLE_JS = "() => window.Bokeh && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle"


async def open_seconds(page_path: Path) -> tuple[float, list[str]]:
    """Seconds from navigation until the page's plots are all drawn, and what it requested."""
    async with chromium() as browser:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        started = time.monotonic()
        await page.goto(page_path.as_uri())
        await page.wait_for_function(IDLE_JS, polling=20, timeout=60_000)
        elapsed = time.monotonic() - started
    return elapsed, [url for url in requests if url != page_path.as_uri()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--report", type=Path, help="a report JSON to render instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = args.report or Path(tmp) / "hour.json"
        if args.report is None:
            report.write_text(json.dumps(long_watch_report()))
        rows = len(json.loads(report.read_text()).get("timeline", []))
        page = Path(tmp) / "hour.html"
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "probe.cli", "report", str(report), "-o",
                        str(page)], check=True, cwd=ROOT)
        render_s = time.monotonic() - started
        size = page.stat().st_size
        times, foreign = [], []
        for _ in range(1 if args.quick else 3):
            elapsed, requested = asyncio.run(open_seconds(page))
            times.append(elapsed)
            foreign += requested
    median_s = statistics.median(times)
    size_ok, open_ok = size < MAX_BYTES, median_s < MAX_OPEN_S and not foreign
    print(f"report: {rows} timeline rows; rendered by streamprobe report in {render_s:.1f} s")
    print(f"page size: {size / 2**20:.2f} MB (floor: under {MAX_BYTES / 2**20:.0f} MB) "
          f"{'ok' if size_ok else 'MISSED'}")
    print(f"open in headless Chromium until every plot is drawn: median {median_s:.2f} s of "
          f"{len(times)} ({', '.join(f'{t:.2f}' for t in times)}); network requests: "
          f"{len(foreign)} (floor: under {MAX_OPEN_S:g} s, none) {'ok' if open_ok else 'MISSED'}")
    return 0 if size_ok and open_ok else 1


if __name__ == "__main__":
    sys.exit(main())
