"""Overload from the probe's own counters; frozen seconds under overload are the probe's."""

from __future__ import annotations

from metrics.probe_health import (
    LOOP_LAG_FREEZE_MS,
    HealthSample,
    overload_reasons,
    summarize_fleet,
)


def test_overload_comes_from_new_drops_late_frames_or_a_deep_queue() -> None:
    calm = HealthSample(queue_depth=3, frames_dropped=7, frames_late=2)
    assert overload_reasons(calm, calm) == ()  # old drops are not new overload
    assert overload_reasons(calm, HealthSample(3, 9, 2)) == ("2 frames dropped by the probe",)
    assert overload_reasons(calm, HealthSample(3, 7, 5)) == ("3 frames analysed late",)
    assert overload_reasons(None, HealthSample(60, 0, 0)) == ("analysis queue 60 deep",)


def test_an_event_loop_late_enough_to_make_a_freeze_is_overload() -> None:
    # 150 ms added to one 33 ms frame delay: 183 >= max(3 x 33, 33 + 150), libwebrtc's freeze
    assert LOOP_LAG_FREEZE_MS == 150
    assert overload_reasons(None, HealthSample(0, 0, 0, loop_lag_ms=149.9)) == ()
    assert overload_reasons(None, HealthSample(0, 0, 0, loop_lag_ms=150.0)) == (
        "event loop 150 ms late",)


def test_frozen_seconds_while_the_probe_was_overloaded_are_blamed_on_the_probe() -> None:
    def row(ts: float, frozen: bool, overloaded: bool = False, connected: bool = True) -> dict:
        out = {"ts": ts, "stream_id": "a", "probe_id": "p/a", "connected": connected,
               "frozen": frozen}
        return {**out, "probe_overloaded": True} if overloaded else out

    rows = [row(0, False), row(1, True), row(2, True, overloaded=True),
            row(3, True, overloaded=True), row(4, True, connected=False),
            {"ts": 5, "stream_id": "a", "probe_id": "p/a", "event": "probe_outage",
             "seconds": 4.0}, row(9, False)]
    [summary] = summarize_fleet(rows, {"p/a": "a"})
    assert (summary.seconds, summary.connected_s, summary.outage_s) == (6, 5, 1)
    assert (summary.frozen_s, summary.frozen_probe_s, summary.overloaded_s) == (2, 2, 2)
    assert (summary.probe_outages, summary.probe_outage_s, summary.flagged) == (1, 4.0, True)
