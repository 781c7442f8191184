"""Retention analysis on synthetic populations with a known answer, and on bad input.

Tolerances are stated in standard errors of the quantity where it is random: a 100k-session run
has an uplift SE of about 0.95 percentage points; hazard ratios carry their own Wald CI.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.retention import (
    PopulationSpec,
    population_truth,
    sessions_table,
    write_sessions,
)
from fixtures.retention.population import (
    standardised_rmst_s,
    tier_hazard_ratios,
    write_quality_reports,
)
from metrics.retention import RETENTION_SCHEMA, RetentionInputError, analyze_retention
from metrics.retention.grid import ExitGrid, bootstrap_counts
from metrics.retention.kaplan_meier import km_rmst

COVARIATES = ("device", "region")
HORIZON_S = 3600.0


@pytest.fixture(scope="module")
def confounded_100k():
    spec = PopulationSpec(sessions=100_000, seed=11)
    result = analyze_retention(sessions_table(spec), "tier", covariates=COVARIATES,
                               horizon_s=HORIZON_S, bootstrap_replicates=200)
    return spec, result


def uplift_of(result, tier: str):
    return next(u for u in result.uplift if u.tier == tier)


# --- estimators ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 1), st.integers(1, 9)),
                min_size=1, max_size=40),
       st.sampled_from([1.0, 2.5]))
def test_vectorised_km_rmst_equals_lifelines(sessions, step_s) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    n_steps = 10
    counts = np.zeros((n_steps + 1, 2))
    for step, left, n in sessions:  # step 11-12: beyond the horizon, censored there
        at = min(step, n_steps)
        counts[at, left if at < n_steps else 0] += n
    steps, ended_by = np.nonzero(counts)
    fitter = KaplanMeierFitter().fit(steps * step_s, ended_by, weights=counts[steps, ended_by])
    expected = restricted_mean_survival_time(fitter, t=n_steps * step_s)
    assert km_rmst(counts, step_s) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_km_rmst_of_an_empty_group_is_nan_and_groups_are_independent() -> None:
    counts = np.zeros((2, 4, 2))
    counts[1, 2, 1] = 5  # five sessions leave at step 2 of 3
    assert np.isnan(km_rmst(counts, 1.0)[0])
    assert km_rmst(counts, 1.0)[1] == pytest.approx(2.0)


def test_tier_rmst_matches_the_closed_form_weibull() -> None:
    spec = PopulationSpec(sessions=100_000, seed=12, confounded=False, uplift_pct=(0.0, 0.0, 0.0))
    result = analyze_retention(sessions_table(spec), "tier", horizon_s=HORIZON_S,
                               bootstrap_replicates=20)
    # Tiers are independent of the covariates here, so each tier's pooled RMST is the
    # standardised one.
    expected_s = standardised_rmst_s(1.0, HORIZON_S)
    for tier in result.tiers:  # ~33k sessions each: SE of the RMST about 0.7 %
        assert tier.rmst_s == pytest.approx(expected_s, rel=0.025)


def test_confounded_100k_adjusted_recovers_the_injected_uplift_and_naive_does_not(
        confounded_100k) -> None:
    spec, result = confounded_100k
    truth = population_truth(spec).uplift_pct
    for tier in ("720p", "1080p"):
        u = uplift_of(result, tier)
        assert abs(u.adjusted_pct - truth[tier]) < 2.5  # about 2.5 SE
        # One run's CI misses the truth 5 % of the time: coverage is the seeded study's job.
        assert u.ci95[0] < u.adjusted_pct < u.ci95[1]
        assert 2.0 < u.ci95[1] - u.ci95[0] < 6.0
        # The device confounder inflates the naive estimate by tens of points; its CI is far off.
        assert u.naive_pct - truth[tier] > 20
        assert u.naive_ci95[0] > truth[tier] + 15
    top = uplift_of(result, "1080p")
    assert top.baseline == "360p" and top.strata_used == 9 and top.sessions_outside_overlap == 0
    assert "device x region" in top.method and "bootstrap" in top.method


def test_without_the_confounder_naive_and_adjusted_agree() -> None:
    spec = PopulationSpec(sessions=60_000, seed=13, confounded=False)
    result = analyze_retention(sessions_table(spec), "tier", covariates=COVARIATES,
                               horizon_s=HORIZON_S, bootstrap_replicates=100)
    u = uplift_of(result, "1080p")
    assert abs(u.naive_pct - u.adjusted_pct) < 1.0
    assert u.ci95[0] < 10.3 < u.ci95[1]


def test_small_seeded_study_is_unbiased_and_covers(tmp_path) -> None:
    """20 seeded populations of 8k sessions (the 200-run study is bench/bench_retention.py)."""
    estimates, covered = [], 0
    for seed in range(20):
        spec = PopulationSpec(sessions=8_000, seed=500 + seed, horizon_s=1800.0)
        result = analyze_retention(sessions_table(spec), "tier", covariates=COVARIATES,
                                   horizon_s=1800.0, bootstrap_replicates=100, seed=seed)
        u = uplift_of(result, "1080p")
        estimates.append(u.adjusted_pct)
        covered += u.ci95[0] <= 10.3 <= u.ci95[1]
    # Per-run SD is about 3 points, so the mean of 20 has an SE of about 0.7.
    assert abs(np.mean(estimates) - 10.3) < 1.5
    assert covered >= 16  # P(<= 15 of 20) is 0.3 % when the true coverage is 95 %


def test_hazard_ratios_recover_the_injected_conditional_effects(confounded_100k) -> None:
    spec, result = confounded_100k
    truth = population_truth(spec)
    assert [h.term for h in result.hazard.ratios[:2]] == ["tier=720p", "tier=1080p"]
    for h in result.hazard.ratios:
        expected = truth.hazard_ratio(h.term, h.reference)
        half_width = (math.log(h.ci95[1]) - math.log(h.ci95[0])) / 2  # 1.96 SE
        assert abs(math.log(h.hr / expected)) < 1.5 * half_width, h
    top = next(h for h in result.hazard.ratios if h.term == "tier=1080p")
    assert top.hr == pytest.approx(tier_hazard_ratios(spec)[2], rel=0.04)


def test_time_varying_quality_hazard_ratios(tmp_path) -> None:
    spec = PopulationSpec(sessions=30_000, seed=14, streams=12, join_window_s=5400,
                          export_after_s=1800, clarity_hr_per_point=0.8, frozen_hr=1.5)
    paths = write_quality_reports(spec, tmp_path)
    result = analyze_retention(sessions_table(spec), "tier", covariates=COVARIATES,
                               horizon_s=HORIZON_S, quality_reports=paths,
                               bootstrap_replicates=20)
    ratios = {h.term: h for h in result.hazard.ratios}
    assert ratios["clarity"].hr == pytest.approx(0.8, abs=0.025)  # SE about 0.006
    assert ratios["frozen"].hr == pytest.approx(1.5, abs=0.12)  # SE about 0.03
    assert ratios["clarity"].ci95[0] < ratios["clarity"].hr < ratios["clarity"].ci95[1]
    assert ratios["clarity"].unit.startswith("per +1 clarity point")
    coverage = result.quality
    assert coverage.reports == coverage.streams == 12
    assert coverage.covered_person_time_s == pytest.approx(coverage.person_time_s, rel=1e-9)
    assert coverage.covered_events == coverage.events == result.hazard.events

    # Timelines for half the streams: the model uses that half and says so.
    half = analyze_retention(sessions_table(spec), "tier", covariates=COVARIATES,
                             horizon_s=HORIZON_S, quality_reports=paths[:6],
                             bootstrap_replicates=20)
    share = half.quality.covered_person_time_s / half.quality.person_time_s
    assert 0.35 < share < 0.65
    assert any("quality timelines cover" in note for note in half.notes)


# --- viewer bootstrap ----------------------------------------------------------------------


def test_bootstrap_weights_a_repeat_viewer_once_for_all_their_sessions() -> None:
    shape = (1, 1, 3, 2)
    single = np.zeros(shape, dtype=np.int64)
    single[0, 0, 0, 1] = 50
    grid = ExitGrid(horizon_s=2.0, step_s=1.0, counts=single.copy(), single_counts=single,
                    repeat_viewer=np.array([0, 0]), repeat_cell=np.array([3, 5]),
                    repeat_viewers=1)
    grid.counts.ravel()[[3, 5]] += 1
    replicates = np.concatenate(list(bootstrap_counts(grid, 400, seed=1))).reshape(400, -1)
    assert np.array_equal(replicates[:, 3], replicates[:, 5])  # one weight, both sessions
    assert replicates[:, 3].mean() == pytest.approx(1.0, abs=0.15)  # Poisson(1)
    assert replicates[:, 1].mean() == pytest.approx(50.0, rel=0.03)  # Poisson(50) per cell
    assert replicates[:, 1].var() == pytest.approx(50.0, rel=0.25)


def test_bootstrap_is_reproducible_by_seed() -> None:
    sessions = sessions_table(PopulationSpec(sessions=20_000, seed=16))

    def ci(seed: int):
        result = analyze_retention(sessions, "tier", covariates=COVARIATES, horizon_s=1800.0,
                                   bootstrap_replicates=50, seed=seed)
        return uplift_of(result, "1080p")

    first, again, other = ci(0), ci(0), ci(1)
    assert again.ci95 == first.ci95
    assert other.ci95 != first.ci95
    assert other.adjusted_pct == first.adjusted_pct


# --- inputs, outputs ---------------------------------------------------------------------


def test_csv_parquet_iso_times_and_row_order_give_the_same_answer(tmp_path) -> None:
    spec = PopulationSpec(sessions=4_000, seed=15)
    iso = PopulationSpec(sessions=4_000, seed=15, iso_times=True)
    shuffled = sessions_table(spec).take(np.random.default_rng(0).permutation(4_000))
    answers = []
    for source in (write_sessions(spec, tmp_path / "s.csv"),
                   write_sessions(spec, tmp_path / "s.parquet"),
                   write_sessions(iso, tmp_path / "iso.csv"), sessions_table(spec), shuffled):
        result = analyze_retention(source, "tier", covariates=COVARIATES, horizon_s=1800.0,
                                   bootstrap_replicates=30)
        answers.append((result.sessions, [t.rmst_s for t in result.tiers],
                        uplift_of(result, "1080p").ci95))
    assert all(a[0] == 4_000 for a in answers)
    for other in answers[1:]:
        assert other[1] == pytest.approx(answers[0][1], rel=1e-9)
        assert other[2] == pytest.approx(answers[0][2], rel=1e-9)


def sessions_csv(tmp_path, rows: list[str], header: str = "viewer_id,stream_id,join_ts,"
                 "leave_ts,tier,device", name: str = "sessions.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def good_rows(n: int = 30) -> list[str]:
    """n sessions per tier (SD, HD), 100 s apart, HD watching twice as long."""
    rows = []
    for i in range(n):
        rows.append(f"a{i},s1,{1000 + i},{1000 + i + 100 + i},SD,tv")
        rows.append(f"b{i},s1,{1000 + i},{1000 + i + 2 * (100 + i)},HD,tv")
    return rows


def test_small_file_gives_exact_rmst_and_default_horizon(tmp_path) -> None:
    result = analyze_retention(sessions_csv(tmp_path, good_rows()), "tier", baseline="SD",
                               bootstrap_replicates=20)
    # Everyone left, so the horizon is the shortest tier's longest session (129 s for SD).
    assert result.horizon_s == 129.0
    sd, hd = (next(t for t in result.tiers if t.tier == name) for name in ("SD", "HD"))
    assert sd.rmst_s == pytest.approx(np.mean(np.arange(100, 130)))
    assert hd.rmst_s == pytest.approx(129.0)  # all HD sessions last 200 s or more
    assert sd.median_s == pytest.approx(114.0)
    assert hd.median_s is None
    assert uplift_of(result, "HD").naive_pct == pytest.approx(100 * (129 / 114.5 - 1))
    assert any("Tian" in note for note in result.notes)


def test_empty_leave_is_censored_at_observed_until(tmp_path) -> None:
    rows = good_rows() + ["c0,s1,1000,,SD,tv", "c1,s1,1000,5000,SD,tv"]
    result = analyze_retention(sessions_csv(tmp_path, rows), "tier", baseline="SD",
                               observed_until_s=1050.0, horizon_s=40.0, bootstrap_replicates=5)
    assert result.observed_until_s == 1050.0
    sd = next(t for t in result.tiers if t.tier == "SD")
    assert sd.sessions == 32 and sd.left == 0  # nobody left within 40 s; c0, c1 censored at 50 s


def test_json_is_the_contract(confounded_100k) -> None:
    _, result = confounded_100k
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert list(data)[:6] == ["schema", "horizon_s", "tiers", "uplift", "hazard_ratios",
                              "hazard_model"]
    assert data["schema"] == RETENTION_SCHEMA == "streamprobe.retention/1"
    assert data["horizon_s"] == HORIZON_S
    assert {"tier", "sessions", "median_s", "rmst_s"} <= set(data["tiers"][0])
    assert {"tier", "baseline", "naive_pct", "adjusted_pct", "ci95", "method"} <= set(
        data["uplift"][0])
    assert len(data["uplift"][0]["ci95"]) == 2
    assert {"term", "hr", "ci95"} <= set(data["hazard_ratios"][0])
    assert data["sessions"] == 100_000
    levels = {(c["covariate"], c["level"]): c for c in data["confounding"]["levels"]}
    tv = levels[("device", "tv")]["share_by_tier"]
    assert tv["1080p"] > 5 * tv["360p"]  # the confounder, visible
    assert data["confounding"]["naive_minus_adjusted_pp"]["1080p"] > 20


def test_within_device_uplift_is_near_the_truth_unlike_the_naive_one(confounded_100k) -> None:
    spec, result = confounded_100k
    top_hr = tier_hazard_ratios(spec)[2]
    for level in result.confounding:
        if level.covariate == "device":  # the confounder, held fixed inside its level
            truth = 100 * (standardised_rmst_s(top_hr, HORIZON_S, level.level)
                           / standardised_rmst_s(1.0, HORIZON_S, level.level) - 1)
            assert abs(level.uplift_pct_by_tier["1080p"] - truth) < 5, level  # about 3 SE
        else:  # region does not confound: its levels still carry the device imbalance
            assert level.uplift_pct_by_tier["1080p"] > 40


# --- bad input -----------------------------------------------------------------------------


def error_for(tmp_path, rows, **kwargs) -> str:
    path = sessions_csv(tmp_path, rows, **{k: kwargs.pop(k) for k in ("header",) if k in kwargs})
    with pytest.raises(RetentionInputError) as err:
        analyze_retention(path, "tier", bootstrap_replicates=5, **kwargs)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    return message


def test_missing_column_is_named(tmp_path) -> None:
    message = error_for(tmp_path, ["a,s1,1,2,SD"], header="viewer_id,stream_id,join_ts,tier,x")
    assert "missing column leave_ts" in message


def test_missing_covariate_column_is_named(tmp_path) -> None:
    message = error_for(tmp_path, good_rows(), covariates=("region",))
    assert "missing column region" in message


@pytest.mark.parametrize(("bad_rows", "expected"), [
    ({2: "x,s1,2000,1500,SD,tv"},
     "row 3 (line 4), column leave_ts: leave_ts before join_ts (value '1500 < join_ts 2000'); "
     "fix the file or pass --skip-bad-rows"),
    ({4: "x,s1,yesterday,1500,SD,tv", 9: "y,s1,1000,soon,SD,tv"},
     "row 5 (line 6), column join_ts: unparseable time (value 'yesterday'); 1 more bad row"),
    ({0: "x,s1,1000,1100,,tv"}, "row 1 (line 2), column tier: missing value;"),
    ({0: ",s1,1000,1100,SD,tv"}, "row 1 (line 2), column viewer_id: missing value;"),
    ({40: "x,s1,1000,1100,SD,tv,extra"},
     "cannot read: CSV Error on Line: 42; Original Line: x,s1,1000,1100,SD,tv,extra"),
])
def test_bad_rows_name_row_line_column_and_value(tmp_path, bad_rows, expected) -> None:
    rows = good_rows()
    for index, row in bad_rows.items():
        rows[index] = row
    assert expected in error_for(tmp_path, rows)


def test_join_after_observed_until_is_named(tmp_path) -> None:
    rows = good_rows() + ["late,s1,9000,,SD,tv"]
    message = error_for(tmp_path, rows, observed_until_s=5000.0)
    assert "row 61 (line 62), column join_ts: join_ts after --observed-until" in message


def test_skip_bad_rows_counts_every_skip(tmp_path) -> None:
    rows = good_rows()
    rows[2] = "x,s1,2000,1500,SD,tv"
    rows[4] = "y,s1,yesterday,1500,SD,tv"
    rows[6] = "z,s1,later,1500,SD,tv"
    result = analyze_retention(sessions_csv(tmp_path, rows), "tier", baseline="SD",
                               skip_bad_rows=True, bootstrap_replicates=5)
    assert result.sessions == 57
    skipped = {(b.reason, b.column): (b.count, b.first_row) for b in result.skipped}
    assert skipped == {("leave_ts before join_ts", "leave_ts"): (1, 3),
                       ("unparseable time", "join_ts"): (2, 5)}
    assert result.to_dict()["skipped_rows"][0] == {
        "reason": "leave_ts before join_ts", "column": "leave_ts", "rows": 1, "first_row": 3}
    assert any("skipped rows" in note for note in result.notes)


def test_empty_or_unknown_tiers_are_errors(tmp_path) -> None:
    message = error_for(tmp_path, good_rows(), baseline="4K")
    assert "column tier: baseline tier '4K' has no usable sessions (tiers present: HD, SD)" \
        in message
    sd_only = [r for r in good_rows() if ",SD," in r]
    assert "only tier 'SD' has sessions" in error_for(tmp_path, sd_only)
    assert "no usable sessions" in error_for(tmp_path, [])
    few_hd = [r for r in good_rows() if ",SD," in r] + good_rows(3)[1::2]
    # 3 HD sessions: left out as too few, which leaves one tier
    assert "only tier 'SD' has sessions" in error_for(tmp_path, few_hd, baseline="SD")
    assert "baseline tier 'HD' has only 3 sessions, too few" in error_for(
        tmp_path, few_hd, baseline="HD")


def test_too_many_tier_levels_ask_for_bins(tmp_path) -> None:
    rows = [f"v{i},s1,{i},{i + 10},{i},tv" for i in range(25)]
    message = error_for(tmp_path, rows)
    assert "column tier: 25 distinct values (at most 20); bin it" in message


def test_unreadable_sources_are_named(tmp_path) -> None:
    with pytest.raises(RetentionInputError, match="no such file"):
        analyze_retention(tmp_path / "nope.csv", "tier")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RetentionInputError, match="empty.csv: empty file; expected a header"):
        analyze_retention(empty, "tier")
    other = tmp_path / "sessions.xlsx"
    other.write_text("x")
    with pytest.raises(RetentionInputError, match="expected a .csv or .parquet"):
        analyze_retention(other, "tier")


# --- quality timelines: bad input ----------------------------------------------------------


def report(tmp_path, name: str, **keys) -> str:
    body = {"schema": "streamprobe.report/1", "started_at": 1000,
            "timeline": [{"t_s": float(t), "clarity": 4.0, "frozen": False} for t in range(60)]}
    body.update(keys)
    path = tmp_path / name
    path.write_text(json.dumps({k: v for k, v in body.items() if v is not None}))
    return str(path)


def quality_error(tmp_path, *reports) -> str:
    with pytest.raises(RetentionInputError) as err:
        analyze_retention(sessions_csv(tmp_path, good_rows()), "tier", quality_reports=reports,
                          bootstrap_replicates=5)
    return str(err.value)


def test_report_without_started_at_is_named(tmp_path) -> None:
    path = report(tmp_path, "s1.json", started_at=None)
    assert quality_error(tmp_path, path).startswith(f"{path}: key started_at missing")


def test_overlapping_timelines_of_one_stream_are_named(tmp_path) -> None:
    first = report(tmp_path, "a.json", stream_id="s1")
    second = report(tmp_path, "b.json", stream_id="s1", started_at=1030)
    message = quality_error(tmp_path, first, second)
    assert message == f"{second}: timeline of stream 's1' overlaps the one in {first}; " \
                      f"give each second once"


def test_bad_timeline_row_is_named(tmp_path) -> None:
    rows = [{"t_s": 0.0, "clarity": 4.0, "frozen": False}, {"t_s": 1.0, "clarity": "good",
                                                            "frozen": False}]
    path = report(tmp_path, "s1.json", timeline=rows)
    assert quality_error(tmp_path, path) == \
        f"{path}: timeline row 1, key clarity: expected a number, got 'good'"


def test_stream_id_defaults_to_the_file_stem_and_null_clarity_is_counted(tmp_path) -> None:
    rows = [{"t_s": float(t), "clarity": None if t % 2 else 3.0, "frozen": False}
            for t in range(200)]
    path = report(tmp_path, "s1.json", timeline=rows)
    result = analyze_retention(sessions_csv(tmp_path, good_rows()), "tier",
                               quality_reports=[path], bootstrap_replicates=5)
    assert result.quality.streams == 1
    assert result.quality.timeline_seconds == result.quality.timeline_seconds_without_clarity \
        == 100
    assert 0 < result.quality.covered_person_time_s < result.quality.person_time_s


# --- implausible input (issue 15) ------------------------------------------------------------


@pytest.mark.parametrize(("row", "column", "value"), [
    ("m,s1,1700000000000,1700000000100,SD,tv", "join_ts", "1700000000000"),  # epoch ms
    ("m,s1,1000,1e300,SD,tv", "leave_ts", "1e300"),
    ("m,s1,-5,100,SD,tv", "join_ts", "-5"),
])
def test_implausible_times_are_bad_rows(tmp_path, row, column, value) -> None:
    rows = good_rows()
    rows[7] = row
    message = error_for(tmp_path, rows)
    assert f"row 8 (line 9), column {column}: time beyond 1e11 s or before 1970" in message
    assert repr(value) in message


def test_a_bad_byte_in_row_1_is_named_as_that_row_not_the_header(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"viewer_id,stream_id,join_ts,leave_ts,tier,device\n"
                     b"a\xff,s1,1000,1100,SD,tv\n" + "\n".join(good_rows()).encode() + b"\n")
    with pytest.raises(RetentionInputError) as err:
        analyze_retention(path, "tier", bootstrap_replicates=5)
    assert "header" not in str(err.value) and "\n" not in str(err.value)


def test_an_overlong_first_line_is_named(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"x" * (200 * 1024) + b"\n")
    with pytest.raises(RetentionInputError, match="line 1 .the header. is over 64 KiB"):
        analyze_retention(path, "tier", bootstrap_replicates=5)


@pytest.mark.parametrize("stray", ["4k", "NaN"])
def test_a_stray_tier_is_noted_and_the_rest_analysed(tmp_path, stray) -> None:
    """One row of an odd tier used to abort everything (and, first in natural order, to be
    the default baseline compared with itself)."""
    rows = [*good_rows(), f"z,s1,1000,1100,{stray},tv"]
    result = analyze_retention(sessions_csv(tmp_path, rows), "tier", bootstrap_replicates=5)
    assert [t.tier for t in result.tiers] == ["HD", "SD"]
    assert result.sessions == 60
    assert f"tier '{stray}': 1 session, too few to estimate (fewer than 10); left out" \
        in result.notes
    assert [u.baseline for u in result.uplift] == ["HD"]


def test_an_exact_duplicate_row_is_named_or_skipped_with_a_count(tmp_path) -> None:
    rows = good_rows()
    rows.insert(10, rows[3])  # row 11 repeats row 4
    rows.insert(20, rows[5])
    message = error_for(tmp_path, rows)
    assert ("row 11 (line 12), columns viewer_id, stream_id, join_ts, leave_ts, tier: exact "
            "duplicate of an earlier row (row 4); 1 more duplicate row") in message
    result = analyze_retention(sessions_csv(tmp_path, rows), "tier", baseline="SD",
                               skip_bad_rows=True, bootstrap_replicates=5)
    assert result.sessions == 60  # counted once
    skipped = {(b.reason, b.count, b.first_row) for b in result.skipped}
    assert skipped == {("exact duplicate of an earlier row", 2, 11)}
    same_viewer_other_time = [*good_rows(), good_rows()[6].replace(",1003,", ",1004,")]
    assert analyze_retention(sessions_csv(tmp_path, same_viewer_other_time), "tier",
                             baseline="SD", bootstrap_replicates=5).sessions == 61
