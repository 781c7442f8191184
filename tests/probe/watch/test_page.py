"""``watch --html``'s page state: windows placed in the watch, worst checks, outages, bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fixtures.reports.long_watch import long_watch_report, watch_windows
from metrics.thumbnails import LOW_CLARITY_MOMENTS, MAX_FREEZE_MOMENTS
from probe.aiortc_hooks.receiver_counters import KEYFRAME_REQUEST_MERGE_S, ReceiverCounters
from probe.watch.page import KEEP_POINTS, MAX_FREEZES, StreamPage, WatchPage

ORIGIN_S = 1_780_000_000.0


def window(verdict: str = "pass", fps: float = 30.0, freezes: int = 0,
           checks: list[dict[str, Any]] | None = None, seconds: int = 10,
           thumbs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"verdict": verdict, "duration_s": float(seconds),
            "checks": checks or [],
            "timeline": [{"t_s": float(t), "fps": fps, "clarity": 4.0} for t in range(seconds)],
            "stutter": {"score": 5.0, "freezes": [
                {"start_s": 1.0 + i, "duration_s": 0.5, "kind": "delivery"}
                for i in range(freezes)]},
            "events": [], "thumbnails": thumbs or []}


def check(value: float, status: str, direction: str = "max") -> dict[str, Any]:
    return {"name": "fps" if direction == "min" else "freeze_count", "value": value,
            "unit": "", "threshold": 0.0, "warn": 0.0, "status": status,
            "direction": direction}


def stream() -> StreamPage:
    return StreamPage(stream_id="show", url="http://h/whep/show", protocol="whep",
                      origin_s=ORIGIN_S)


def test_windows_are_placed_in_the_watch_and_the_verdict_is_the_worst_window() -> None:
    page = stream()
    page.window(window("pass", freezes=1), ORIGIN_S + 2)
    page.window(window("fail", freezes=2), ORIGIN_S + 12)
    page.window(window("warn"), ORIGIN_S + 22)
    report = page.report(None)
    assert report["verdict"] == "fail"
    assert [f["start_s"] for f in report["stutter"]["freezes"]] == [3.0, 13.0, 14.0]
    assert report["stutter"]["freeze_count"] == 3
    times = [row["t_s"] for row in report["timeline"] if "fps" in row]
    assert times[0] == 2.0 and times[-1] == 31.0 and len(times) == 30
    assert report["duration_s"] == 32.0
    assert report["started_at"].startswith("2026-05-28T")


def test_each_check_shows_its_worst_window_by_status_then_by_value() -> None:
    page = stream()
    page.window(window(checks=[check(3, "warn"), check(29.5, "pass", "min")]), ORIGIN_S)
    page.window(window(checks=[check(1, "warn"), check(26.0, "pass", "min")]), ORIGIN_S + 10)
    page.window(window(checks=[check(0, "pass"), check(28.0, "pass", "min")]), ORIGIN_S + 20)
    shown = {c["name"].split()[0]: c for c in page.report(None)["checks"]}
    assert shown["freeze_count"]["value"] == 3  # the warn with the highest count
    assert shown["fps"]["value"] == 26.0  # a lower frame rate is worse
    assert "worst at 2026-05-28T" in shown["fps"]["name"]


def test_an_outage_is_one_event_with_its_length_and_zero_frame_rate() -> None:
    page = stream()
    page.window(window(), ORIGIN_S)
    for second in range(10, 17):
        page.outage(ORIGIN_S + second)
    page.window(window(), ORIGIN_S + 17)
    page.outage(ORIGIN_S + 40)
    events = page.report(None)["events"]
    assert [(e["t_s"], e["kind"], e["detail"]) for e in events] == [
        (10.0, "outage", "no media for 7 s"), (40.0, "outage", "no media for 1 s")]
    zero = [row["t_s"] for row in page.report(None)["timeline"] if row.get("fps") == 0.0]
    assert zero == [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 40.0]


def test_ten_hours_stay_bounded_and_keep_a_one_second_dip() -> None:
    page = stream()
    for index in range(3600):  # ten hours of 10 s windows
        dip = index == 1800
        page.window(window(fps=3.0 if dip else 30.0, freezes=1), ORIGIN_S + 10 * index)
    assert all(len(points) <= 2 * KEEP_POINTS for points in page.series.values())
    report = page.report(None)
    fps = [row["fps"] for row in report["timeline"] if "fps" in row]
    assert min(fps) == 3.0 and max(fps) == 30.0
    assert len(report["stutter"]["freezes"]) == MAX_FREEZES
    assert report["stutter"]["freeze_count"] == 3600
    assert any(f"{3600 - MAX_FREEZES} earlier ones are not" in note for note in report["notes"])


def test_thumbnails_keep_the_latest_freezes_and_the_lowest_clarity_moments() -> None:
    page = stream()
    for index in range(40):
        thumbs = [{"moment": "freeze", "moment_index": 0, "role": role, "t_s": 1.0,
                   "jpeg": f"f{index}", "clarity": None} for role in ("before", "after")]
        thumbs.append({"moment": "low_clarity", "moment_index": 0, "role": "lowest",
                       "t_s": 5.0, "jpeg": f"c{index}", "clarity": 4.0 - (index % 10) / 10})
        page.window(window(thumbs=thumbs), ORIGIN_S + 10 * index)
    thumbnails = page.report(None)["thumbnails"]
    freezes = {t["jpeg"] for t in thumbnails if t["moment"] == "freeze"}
    assert freezes == {f"f{i}" for i in range(40 - MAX_FREEZE_MOMENTS, 40)}
    lowest = sorted(t["clarity"] for t in thumbnails if t["moment"] == "low_clarity")
    assert len(lowest) == LOW_CLARITY_MOMENTS and lowest[-1] <= 3.2 + 1e-9
    indexes = {(t["moment"], t["moment_index"]) for t in thumbnails}
    assert len(indexes) == MAX_FREEZE_MOMENTS + LOW_CLARITY_MOMENTS  # one group per moment


def test_the_page_of_an_hour_is_written_whole(tmp_path: Path) -> None:
    hour = long_watch_report()
    windows = watch_windows(hour)
    page = WatchPage(tmp_path / "watch.html", windows[0][1])
    show = page.stream("show", hour["target"]["url"], "whep")
    for report, started_s in windows:
        show.window(report, started_s)
    assert page.windows_closed() == 60
    page.write(page.snapshot([None]), [None])
    text = (tmp_path / "watch.html").read_text()
    assert "streamprobe watch since" in text and "FAIL" in text.upper()
    assert not list(tmp_path.glob(".*partial"))
    reports = page.snapshot([None])
    assert len(reports[0]["stutter"]["freezes"]) == len(hour["stutter"]["freezes"])
    assert len(reports[0]["events"]) == len(hour["events"])


def test_repeated_plis_within_a_second_are_one_keyframe_request() -> None:
    counters = ReceiverCounters()
    for t_s in (10.0, 10.2, 10.4, 10.6, 10.6 + KEYFRAME_REQUEST_MERGE_S, 30.0):
        counters.pli_sent(t_s)
    assert counters.plis == 6
    assert [(t, kind) for t, kind, _ in counters.drain_events(first_frame_s=5.0)] == [
        (10.0, "keyframe_request"), (11.6, "keyframe_request"), (30.0, "keyframe_request")]
    assert counters.drain_events(first_frame_s=5.0) == []


def test_the_keyframe_request_of_a_viewer_joining_mid_stream_is_counted_but_not_an_event() -> None:
    counters = ReceiverCounters()
    counters.pli_sent(1.0)  # the first packet was a delta frame: asked before any frame
    assert counters.drain_events(first_frame_s=None) == []
    counters.pli_sent(1.5)  # repeated, and answered by the first frame at 1.6 s
    counters.pending_events.append((1.7, "ssrc_change", "SSRC 1 -> 2"))
    counters.pli_sent(4.0)  # a loss after the first frame: an event
    assert [(t, kind) for t, kind, _ in counters.drain_events(first_frame_s=1.6)] == [
        (1.7, "ssrc_change"), (4.0, "keyframe_request")]
    assert counters.plis == 3
