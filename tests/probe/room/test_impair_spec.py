"""The --impair spec: every field parsed with its unit, every bad field named."""

import pytest

from probe.room.impair_spec import ImpairSpecError, Outage, parse_impair_spec


def test_full_spec_from_the_issue() -> None:
    spec = parse_impair_spec("loss=5%,burst=3,delay=80ms,jitter=20ms,rate=1500kbit,outage=2s@5s")
    assert spec.loss == pytest.approx(0.05)
    assert spec.burst == 3
    assert (spec.delay_ms, spec.jitter_ms, spec.rate_kbps) == (80, 20, 1500)
    assert spec.outages == (Outage(start_s=5.0, duration_s=2.0),)
    assert not spec.is_clean


def test_repeated_outages_sorted_and_units() -> None:
    spec = parse_impair_spec("outage=1s@8s, outage=500ms@3s, rate=2mbit, seed=7")
    assert spec.outages == (Outage(3.0, 0.5), Outage(8.0, 1.0))
    assert spec.rate_kbps == 2000 and spec.seed == 7
    assert parse_impair_spec("").is_clean


@pytest.mark.parametrize("text, field", [
    ("loss=5", "loss"), ("loss=150%", "loss"), ("burst=0", "burst"), ("delay=80", "delay"),
    ("jitter=fast", "jitter"), ("rate=1500", "rate"), ("outage=2s", "outage"),
    ("outage=2s@x", "outage"), ("seed=-1", "seed"), ("bandwidth=1mbit", "bandwidth"),
    ("delay", "delay"),
])
def test_bad_field_is_named(text: str, field: str) -> None:
    with pytest.raises(ImpairSpecError) as err:
        parse_impair_spec(text)
    assert field in str(err.value)
