"""Verdicts a viewer would sign, end to end: a stream that dies mid-check fails (exit 1), one
short freeze warns (exit 0). The embedded room's link is cut by ``--impair outage=...``."""

from __future__ import annotations

import json

import pytest

from tests.probe.cli.test_cli import run_cli


def check_json(*args: str) -> tuple[int, dict]:
    done = run_cli("check", "--duration", "10", "--json", "-", *args)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.mark.integration
def test_stream_dying_three_seconds_in_fails() -> None:
    code, report = check_json("--impair", "outage=30s@3s")
    assert code == 1 and report["verdict"] == "fail"
    stutter = report["stutter"]
    # Frames stop about 3 s in (the outage starts with the link, a little before the first
    # frame): the rest of the 10 s window is one pause closed at the end of the run.
    assert stutter["pause_count"] == 1
    assert 6.0 < stutter["pause_total_s"] < 7.6
    assert report["video"]["fps"] < 12  # frames over the 10 s window, not over 3 s
    assert stutter["score"] < 3.5
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["pause_count"] == "fail" and statuses["fps"] == "fail"
    assert statuses["media_ended"] == "pass"  # the connection itself stayed up


@pytest.mark.integration
def test_one_short_freeze_warns() -> None:
    code, report = check_json("--impair", "outage=0.3s@5s")
    assert code == 0 and report["verdict"] == "warn"
    stutter = report["stutter"]
    delivery = [f for f in stutter["freezes"] if f["kind"] == "delivery"]
    assert len(delivery) == 1 and 0.3 <= delivery[0]["duration_s"] < 0.6
    assert stutter["pause_count"] == 0
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["freeze_count"] == "warn"
    assert statuses["stutter_score"] == "pass"
