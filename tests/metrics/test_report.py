"""The report's JSON form keeps the contract of DESIGN.md (streamprobe.report/1)."""

import json

from metrics.report import (
    REPORT_SCHEMA,
    Audio,
    Check,
    Clarity,
    Latency,
    Network,
    Percentiles,
    Report,
    Stutter,
    Target,
    TimelineRow,
    VideoInfo,
)

CONTRACT_KEYS = ["schema", "target", "duration_s", "verdict", "checks", "video", "clarity",
                 "stutter", "latency", "network", "audio", "timeline"]


def sample_report() -> Report:
    return Report(
        target=Target("http://127.0.0.1:1/whep/pattern", "loopback"),
        duration_s=8.0, verdict="pass",
        checks=(Check("fps", 30.0, "fps", 15.0, "pass", warn=24.0, direction="min"),),
        video=VideoInfo("VP8", 1280, 720, 240, 30.0),
        clarity=Clarity(4.5, 10.0, 0.1, 0.2, 720),
        stutter=Stutter(5.0, 0, 0.0, 0.0, 0, Percentiles(33.3, 40.0, 50.0)),
        latency=Latency(300.0, Percentiles(40.0, 60.0, 80.0), 1.0, None, None, "same-host"),
        network=Network(1500.0, 0, 0.0, 1.0, 0, 1),
        audio=Audio("opus", 0, 0.0, -20.0, 0.0),
        timeline=(TimelineRow(0.0, 30.0, 1500.0, 4.5, False, 40.0),),
    )


def test_contract_keys_in_order_and_nulls_kept() -> None:
    data = sample_report().to_dict()
    assert list(data)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert data["schema"] == REPORT_SCHEMA
    assert data["clarity"]["vmaf"] is None and "psnr_db" in data["clarity"]
    assert set(data["latency"]["glass_to_glass_ms"]) == {"p50", "p95", "max"}
    assert set(data["stutter"]["frame_interval_ms"]) == {"p50", "p95", "max"}
    assert set(data["checks"][0]) >= {"name", "value", "unit", "threshold", "status"}
    assert set(data["timeline"][0]) >= {"t_s", "fps", "bitrate_kbps", "clarity", "frozen", "latency_ms"}
    json.dumps(data, allow_nan=False)
