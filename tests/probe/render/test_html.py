"""The HTML report in real headless Chromium: a real check with outages, and a real watch's
page (``watch --html``) with freezes and an outage, rendered and opened offline; and `report`'s
one-line errors on files that are not streamprobe reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.chromium import chromium

CLI = [sys.executable, "-m", "probe.cli"]
IDLE_JS = "() => window.Bokeh && Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle"
# Each plot's "freeze_markers" renderer: how many markers its data source holds.
MARKERS_JS = """() => {
  const counts = [];
  for (const model of Bokeh.documents[0].all_models) {
    if (model.name === "freeze_markers") counts.push(model.data_source.data.left.length);
  }
  return counts;
}"""


def run_cli(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout_s)


@pytest.mark.integration
async def test_a_checks_page_opens_offline_with_its_verdict_freezes_and_thumbnails(
        tmp_path: Path) -> None:
    report_path, page_path = tmp_path / "check.json", tmp_path / "check.html"
    done = run_cli("check", "--duration", "7", "--impair", "outage=1s@2s,outage=1s@4.5s",
                   "--json", str(report_path), "--html", str(page_path))
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(report_path.read_text())
    freezes = report["stutter"]["freezes"]
    delivery = [f for f in freezes if f["kind"] == "delivery"]
    assert len(delivery) >= 2  # the two outages at least
    async with chromium() as browser:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        await page.goto(page_path.as_uri())
        await page.wait_for_function(IDLE_JS, polling=50, timeout=30_000)
        assert requests == [page_path.as_uri()]
        verdict = (await page.inner_text(".verdict")).strip()
        assert verdict == report["verdict"].upper()
        markers = await page.evaluate(MARKERS_JS)
        assert markers and all(count == len(freezes) for count in markers)
        moments = await page.query_selector_all('figure.moment[data-moment="freeze"]')
        assert len(moments) == len(delivery)
        for moment in moments:
            roles = [await img.get_attribute("alt") for img in await moment.query_selector_all("img")]
            assert [role.split()[0] for role in roles] == ["before", "after"]
        shot = await page.screenshot(full_page=True)
    picture = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape[1] == 1280 and picture.shape[0] > 900  # the whole page, not a blank view
    assert len(shot) > 60_000 and float(picture.std()) > 20  # drawn plots and pictures, not white


def test_report_on_a_file_that_is_not_a_report_is_one_line_exit_2(tmp_path: Path) -> None:
    cases = {"not-json.json": "hello", "no-schema.json": json.dumps({"verdict": "pass"}),
             "other.json": json.dumps({"schema": "someone.else/9"})}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        done = run_cli("report", str(path), "-o", str(tmp_path / "out.html"), timeout_s=30)
        assert done.returncode == 2, (name, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0], (name, done.stderr)
        assert "Traceback" not in done.stderr
    assert "unknown schema 'someone.else/9'" in done.stderr
    assert not (tmp_path / "out.html").exists()


@pytest.mark.integration
async def test_a_watch_page_draws_every_windows_freezes_and_its_outage_offline(
        tmp_path: Path) -> None:
    timeline, reports, page_path = (tmp_path / "t.jsonl", tmp_path / "r.jsonl",
                                    tmp_path / "watch.html")
    done = run_cli("watch", "--duration", "30", "--window", "10", "--impair",
                   "outage=1s@4s,outage=8s@13s", "--timeline", str(timeline), "--reports",
                   str(reports), "--html", str(page_path))
    assert done.returncode == 0, done.stderr
    windows = [json.loads(line) for line in reports.read_text().splitlines()]
    freezes = [f for w in windows for f in w["stutter"]["freezes"]]
    worst = max((w["verdict"] for w in windows), key=["pass", "warn", "fail"].index)
    outage_s = sum(not json.loads(line)["connected"] for line in timeline.read_text().splitlines())
    assert outage_s >= 1 and len(freezes) >= 1
    async with chromium() as browser:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        await page.goto(page_path.as_uri())
        await page.wait_for_function(IDLE_JS, polling=50, timeout=30_000)
        assert requests == [page_path.as_uri()]
        assert (await page.inner_text(".verdict")).strip() == worst.upper()
        markers = await page.evaluate(MARKERS_JS)
        assert markers and all(count == len(freezes) for count in markers)
        outages = await page.evaluate("""() => [...Bokeh.documents[0].all_models]
            .filter(m => m.name === "events")
            .map(m => m.data_source.data.what.filter(w => w.startsWith("outage")).length)""")
        assert outages and all(count == 1 for count in outages)
        kept = sum(1 for w in windows for t in w["thumbnails"] if t["moment"] == "freeze"
                   and t["role"] == "before")
        moments = await page.query_selector_all('figure.moment[data-moment="freeze"]')
        assert len(moments) == min(kept, 12) and kept >= 1
        shot = await page.screenshot(full_page=True)
    picture = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape[1] == 390 and picture.shape[0] > 844
    assert len(shot) > 40_000 and float(picture.std()) > 20
