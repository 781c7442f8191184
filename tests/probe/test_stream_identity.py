"""Which stream a report measured and when: the added keys ``stream_id`` and ``started_at``."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest

from metrics.retention.sessions import parse_time_s
from probe.analyze.file import analyze_file
from probe.stream_identity import stream_id_of, utc_iso


@pytest.mark.parametrize("url, stream_id", [
    ("http://127.0.0.1:8080/whep/show-42", "show-42"),
    ("https://cdn.example/whep/show-42/", "show-42"),
    ("janus://127.0.0.1:8088/1234", "1234"),
    ("janus://127.0.0.1:8088/1234?feed=7", "1234-7"),
    ("http://127.0.0.1:8080", "127.0.0.1:8080"),
])
def test_stream_id_is_what_the_url_names(url: str, stream_id: str) -> None:
    assert stream_id_of(url) == stream_id


def test_utc_iso_round_trips_through_the_retention_parser() -> None:
    epoch_s = 1_796_184_433.211
    text = utc_iso(epoch_s)
    assert text == "2026-12-02T04:07:13.211Z"
    assert parse_time_s(text, "t") == pytest.approx(epoch_s, abs=1e-6)
    assert datetime.datetime.fromisoformat(text).utcoffset() == datetime.timedelta(0)


def test_a_file_report_is_placed_by_its_creation_time(tmp_path: Path) -> None:
    path = tmp_path / "show-7.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=30:duration=1", "-c:v", "libx264",
                    "-metadata", "creation_time=2026-05-01T20:00:00.000000Z", str(path)],
                   check=True, timeout=60)
    report = analyze_file(path).to_dict()
    assert report["stream_id"] == "show-7"
    assert parse_time_s(report["started_at"], "t") == parse_time_s("2026-05-01T20:00:00Z", "t")
