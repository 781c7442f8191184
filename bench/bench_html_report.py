"""The HTML report at an hour's length: file size, and time to open in headless Chromium.

Two pages: a one-hour watch report (``fixtures/reports/long_watch.py``, or ``--report FILE``:
a real one, e.g. from ``bench/bench_soak.py``) rendered by ``streamprobe report``; and the
``watch --html`` page after an hour of 60 s windows (the same hour cut into the window reports
a watch closes, fed to ``probe.watch.page.WatchPage`` as the watch feeds it; the CPU time of
one rebuild, paid on a worker thread once per window, is printed). Each is opened in headless
Debian Chromium (Playwright), timed from navigation until every plot is drawn (Bokeh's
document reports itself idle), with no network request allowed. Floors (HTML issue): under
5 MB, and opens in under 2 s (median of 3; 1 with --quick).

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

from fixtures.reports.long_watch import long_watch_report, watch_windows  # noqa: E402
from probe.watch.page import WatchPage  # noqa: E402
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


def watch_page(report: dict, path: Path) -> float:
    """Write the ``watch --html`` page of ``report``'s hour cut into 60 s windows; returns the
    CPU seconds of a rebuild (snapshot and render; the second one, past Bokeh's imports)."""
    windows = watch_windows(report)
    page = WatchPage(path, windows[0][1])
    stream = page.stream(report.get("stream_id") or "show", report["target"]["url"],
                         report["target"]["protocol"])
    for window, started_s in windows:
        stream.window(window, started_s)
    page.write(page.snapshot([None]), [None])
    started = time.process_time()
    page.write(page.snapshot([None]), [None])
    return time.process_time() - started


def open_times(page: Path, quick: bool) -> tuple[list[float], list[str]]:
    """Open times (s) of ``page``, once with ``quick`` else 3 times, and foreign requests."""
    times, foreign = [], []
    for _ in range(1 if quick else 3):
        elapsed, requested = asyncio.run(open_seconds(page))
        times.append(elapsed)
        foreign += requested
    return times, foreign


def verdicts(what: str, size: int, times: list[float], foreign: list[str]) -> bool:
    """Print the page's figures against the floors; True when both are met."""
    median_s = statistics.median(times)
    size_ok, open_ok = size < MAX_BYTES, median_s < MAX_OPEN_S and not foreign
    print(f"{what}: page size {size / 2**20:.2f} MB (floor: under {MAX_BYTES / 2**20:.0f} MB) "
          f"{'ok' if size_ok else 'MISSED'}")
    print(f"{what}: open in headless Chromium until every plot is drawn: median {median_s:.2f} "
          f"s of {len(times)} ({', '.join(f'{t:.2f}' for t in times)}); network requests: "
          f"{len(foreign)} (floor: under {MAX_OPEN_S:g} s, none) {'ok' if open_ok else 'MISSED'}")
    return size_ok and open_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--report", type=Path, help="a report JSON to render instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = args.report or Path(tmp) / "hour.json"
        if args.report is None:
            report.write_text(json.dumps(long_watch_report()))
        data = json.loads(report.read_text())
        page = Path(tmp) / "hour.html"
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "probe.cli", "report", str(report), "-o",
                        str(page)], check=True, cwd=ROOT)
        render_s = time.monotonic() - started
        print(f"report: {len(data.get('timeline', []))} timeline rows; rendered by streamprobe "
              f"report in {render_s:.1f} s")
        ok = verdicts("report", page.stat().st_size, *open_times(page, args.quick))
        watched = Path(tmp) / "watch.html"
        rebuild_s = watch_page(data, watched)
        print(f"watch --html: 60 windows of 60 s; one rebuild costs {rebuild_s:.2f} s of CPU "
              "(on a worker thread, once a window)")
        ok &= verdicts("watch --html", watched.stat().st_size, *open_times(watched, args.quick))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
