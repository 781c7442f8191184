"""``streamprobe retention``: options, table, JSON contract, PNG, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from fixtures.retention import PopulationSpec, write_sessions
from probe.cli import cli


@pytest.fixture(scope="module")
def sessions_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("retention") / "sessions.csv"
    return write_sessions(PopulationSpec(sessions=20_000, seed=21), path)


def run(*args: str):
    return CliRunner().invoke(cli, ["retention", *map(str, args)])


def test_json_to_stdout_is_the_contract_only(sessions_csv) -> None:
    done = run(sessions_csv, "--tier", "tier", "--covariate", "device", "--covariate", "region",
               "--horizon", "3600", "--bootstrap", "100", "--json", "-")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)  # nothing but the JSON on stdout
    assert data["schema"] == "streamprobe.retention/1"
    assert data["horizon_s"] == 3600
    assert [t["tier"] for t in data["tiers"]] == ["360p", "720p", "1080p"]
    assert sum(t["sessions"] for t in data["tiers"]) == 20_000
    top = next(u for u in data["uplift"] if u["tier"] == "1080p")
    assert top["baseline"] == "360p"
    assert abs(top["adjusted_pct"] - 10.3) < 6  # 20k sessions: SE about 2 points
    assert top["naive_pct"] > 35
    assert top["ci95"][0] < top["adjusted_pct"] < top["ci95"][1]
    assert {h["term"] for h in data["hazard_ratios"]} >= {"tier=720p", "tier=1080p", "device=tv"}


def test_table_json_file_and_plot(sessions_csv, tmp_path) -> None:
    import matplotlib.image

    out, png = tmp_path / "r.json", tmp_path / "r.png"
    done = run(sessions_csv, "--tier", "tier", "--covariate", "device", "--baseline", "720p",
               "--observed-until", "2023-11-15T05:43:20Z", "--bootstrap", "50",
               "--json", out, "--plot", png)
    assert done.exit_code == 0, done.output
    for text in ("Watch time by tier", "uplift", "adjusted", "1080p", "360p", "device=tv",
                 "Confounding check", "Tian"):
        assert text in done.stdout
    data = json.loads(out.read_text())
    assert [u["tier"] for u in data["uplift"]] == ["360p", "1080p"]
    assert data["observed_until_s"] == 1_700_027_000
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 500 and image.shape[1] > 1200
    assert image[..., :3].std() > 0.05  # not a blank canvas


@pytest.mark.parametrize(("args", "message"), [
    (["--tier", "quality"], "missing column quality"),
    (["--tier", "tier", "--baseline", "4k"], "baseline tier '4k' has no usable sessions"),
    (["--tier", "tier", "--observed-until", "tomorrow"],
     "--observed-until: 'tomorrow' is neither epoch seconds nor ISO 8601"),
    (["--tier", "tier", "--plot", "curves.pdf"], "--plot curves.pdf: expected a .png"),
    (["--tier", "tier", "--quality", "missing.json"], "missing.json: cannot read"),
    (["--tier", "tier", "--bootstrap", "5", "--json", "/no/such/dir/r.json"],
     "/no/such/dir/r.json: cannot write: No such file or directory"),
])
def test_bad_input_exits_2_with_one_line(sessions_csv, args, message) -> None:
    done = run(sessions_csv, *args)
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr


def test_bad_row_names_file_row_and_column(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("viewer_id,stream_id,join_ts,leave_ts,tier\n"
                    "a,s,100,200,SD\nb,s,100,50,HD\n")
    done = run(path, "--tier", "tier")
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        f"streamprobe: error: {path}: row 2 (line 3), column leave_ts: leave_ts before join_ts "
        f"(value '50 < join_ts 100'); fix the file or pass --skip-bad-rows to skip bad rows "
        f"with a count")


def test_real_process_and_cheap_import(sessions_csv) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "probe.cli", "retention", str(sessions_csv), "--tier", "tier",
         "--horizon", "1800", "--bootstrap", "20", "--json", "-"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["horizon_s"] == 1800
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, probe.cli.retention, metrics.retention; "
                               "print(sorted({'duckdb', 'lifelines', 'pandas', 'matplotlib', "
                               "'scipy', 'pyarrow'} & set(sys.modules)))"],
        capture_output=True, text=True, timeout=60)
    assert heavy.stdout.strip() == "[]", heavy.stderr
