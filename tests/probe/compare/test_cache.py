"""The run cache: keyed by what decides a run, whole files only, unreadable entries re-run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from metrics.compare import RunScores, Setting
from probe.compare.cache import RunCache, run_key

SETTING = Setting("vp8", 640, 360, 30.0, 800, 2.0, -6)
RUN = RunScores(SETTING, "loss=2%", 0, 8.0, 790.5, None, 31.2, 0.93, 4.1, 2, 12.0, None, None)


def test_key_changes_with_every_input() -> None:
    base = run_key("abc", SETTING, "none", "live", 8.0, 0)
    others = [run_key("abd", SETTING, "none", "live", 8.0, 0),
              run_key("abc", replace(SETTING, bitrate_kbps=801), "none", "live", 8.0, 0),
              run_key("abc", replace(SETTING, speed=-5), "none", "live", 8.0, 0),
              run_key("abc", SETTING, "loss=2%", "live", 8.0, 0),
              run_key("abc", SETTING, "none", "offline", 8.0, 0),
              run_key("abc", SETTING, "none", "live", 9.0, 0),
              run_key("abc", SETTING, "none", "live", 8.0, 1)]
    assert len({base, *others}) == 8
    assert base == run_key("abc", SETTING, "none", "live", 8.0, 0)


def test_round_trip_and_unreadable_entries(tmp_path: Path) -> None:
    cache = RunCache(tmp_path / "c")
    key = run_key("abc", SETTING, "loss=2%", "live", 8.0, 0)
    assert cache.get(key) is None
    cache.put(key, RUN)
    assert cache.get(key) == RUN
    assert [p.name for p in (tmp_path / "c").iterdir()] == [f"{key}.json"]
    (tmp_path / "c" / f"{key}.json").write_text("{truncated")
    assert cache.get(key) is None
    assert RunCache(None).get(key) is None
