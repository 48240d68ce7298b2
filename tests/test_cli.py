"""The command line end to end, as a user types it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, SMALL, sim

BASELINE = ROOT / "scenarios" / "baseline_2025.yaml"


def test_run_baseline_writes_every_table(tmp_path):
    out = tmp_path / "out"
    done = sim("run", str(BASELINE), "-n", "2", "--workers", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "delivery delay" in done.stdout and "shortfall fraction by material" in done.stdout
    summary = pd.read_csv(out / "summary.csv")
    assert {"metric", "group", "mean", "ci_low", "ci_high", "p5", "p50", "p95", "n"} <= set(summary.columns)
    assert {"all", "sector:automotive", "material:Dy", "buyer:us_auto", "destination:US"} <= set(summary.group)
    replications = pd.read_parquet(out / "replications.parquet")
    assert sorted(replications.replication.unique()) == [0, 1]
    provenance = json.loads((out / "run.json").read_text())
    timeseries = pd.read_parquet(out / "timeseries.parquet")  # every month from the start, warm-up included
    assert timeseries.month.min() == str(provenance["scenario"]["calendar"]["start"])[:7]
    assert timeseries.month.max() == "2027-12"
    assert provenance["replications"] == 2 and provenance["seed"] == 20250404
    assert provenance["events_simulated"] > 0 and provenance["wall_seconds"] > 0
    assert len(provenance["scenario_sha256"]) == 64
    assert provenance["scenario"]["name"] == "baseline_2025"
    assert provenance["scenario"]["authority"]["reviewers"] == 300
    assert not list(out.glob(".*tmp"))


def test_default_output_folder_is_results_slash_name(tmp_path, small_file):
    done = sim("run", str(small_file), "-n", "2", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "small" / "summary.csv").is_file()


def test_worker_count_does_not_change_results(tmp_path, small_file):
    for workers in ("1", "2"):
        done = sim("run", str(small_file), "-n", "5", "--seed", "3", "--workers", workers,
                   "--out", str(tmp_path / workers))
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "1" / "summary.csv").read_bytes() == (tmp_path / "2" / "summary.csv").read_bytes()
    other = sim("run", str(small_file), "-n", "5", "--seed", "4", "--out", str(tmp_path / "other"))
    assert other.returncode == 0
    assert (tmp_path / "other" / "summary.csv").read_bytes() != (tmp_path / "1" / "summary.csv").read_bytes()


def test_set_overrides_reach_the_run(tmp_path, small_file):
    done = sim("run", str(small_file), "--set", "monte_carlo.replications=3", "--set", "authority.reviewers=2",
               "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    provenance = json.loads((tmp_path / "o" / "run.json").read_text())
    assert provenance["replications"] == 3 and provenance["scenario"]["authority"]["reviewers"] == 2
    overrides = ["monte_carlo.replications=3", "authority.reviewers=2"]
    assert provenance["overrides"] == overrides  # said in the terminal, the record and the report's title
    assert f"with --set {', '.join(overrides)}" in done.stdout.splitlines()[0]
    report = (tmp_path / "o" / "report.html").read_text()
    assert f"<title>Run: small with --set {', '.join(overrides)}</title>" in report


def test_validate_and_schema():
    done = sim("validate", str(BASELINE))
    assert done.returncode == 0 and "127 firms" in done.stdout
    schema = json.loads(sim("schema").stdout)
    assert {"calendar", "materials", "buyers", "policy"} <= set(schema["properties"])
    assert "single source of truth" not in schema["description"]  # the class docstring, not the module's
    lognormal = schema["$defs"]["Lognormal"]["properties"]
    assert lognormal["sd"]["exclusiveMinimum"] == 0 and lognormal["sd"]["description"]


@pytest.mark.parametrize(
    ("text", "override", "expected"),
    [
        ("name: x\ncalendar: {start: 2025-01-01\n", None, "bad.yaml:3: not valid YAML"),
        (yaml.safe_dump(SMALL, sort_keys=False).replace("reviewers", "x") + "authorty: {}\n", None,
         "did you mean 'authority'?"),
        (yaml.safe_dump(SMALL, sort_keys=False), "authority.reviewers=-1", "--set: authority.reviewers"),
        ("extends: bad.yaml\nname: loop\n", None, "extends cycle"),
        (yaml.safe_dump(SMALL, sort_keys=False).replace("'2025-01-06'", "2025-02-30"), None,
         "bad.yaml:3: calendar.start: cannot read '2025-02-30'"),
        (yaml.safe_dump(SMALL, sort_keys=False), "veu.date=2025-13-01", "--set: veu.date: cannot read '2025-13-01'"),
    ],
    ids=["syntax", "unknown-key", "bad-set", "cycle", "impossible-date", "impossible-date-in-set"],
)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_scenario_exits_2_with_a_clear_message_and_writes_nothing(tmp_path, text, override, expected, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "out"
    args = [command, str(bad)] + (["--set", override] if override else [])
    done = sim(*args, *(["--out", str(out)] if command == "run" else []), cwd=tmp_path)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize("command", [("run",), ("sweep", "--param", "authority.reviewers=1:3")])
def test_an_unwritable_output_folder_exits_2_before_any_work(tmp_path, small_file, command):
    taken = tmp_path / "taken"
    taken.write_text("")
    done = sim(command[0], str(small_file), *command[1:], "--out", str(taken / "out"))
    assert done.returncode == 2 and "not a writable folder" in done.stderr, done.stderr


def test_missing_file_exits_2(tmp_path):
    done = sim("validate", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2 and "cannot read the file" in done.stderr


def test_ctrl_c_leaves_no_result_files(tmp_path):
    out = tmp_path / "out"
    # as from a terminal: Ctrl-C's default action even if this test runs in the background (where a shell starts
    # commands with SIGINT ignored, and Python then leaves it ignored)
    process = subprocess.Popen([sys.executable, "-m", "sim", "run", str(BASELINE), "-n", "2000", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(4)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted; no result tables were written" in stderr
    assert not out.exists() or not any(out.iterdir())


def test_compare_end_to_end(tmp_path, small_file):
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {small_file.name}\nname: faster\nsupply: {{production_days: 5}}\n")
    out = tmp_path / "cmp"
    done = sim("compare", str(small_file), str(variant), "-n", "3", "--baseline", str(variant), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "baseline: faster" in done.stdout and "diff" in done.stdout
    table = pd.read_csv(out / "comparison.csv")
    assert {"metric", "group", "variant", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"} <= set(
        table.columns)
    production = table.query("metric == 'production_days' and group == 'all' and variant == 'small'").iloc[0]
    assert production["diff"] > 0  # small is slower than the faster baseline
    assert json.loads((out / "compare.json").read_text())["baseline"] == "faster"
    assert (out / "small" / "summary.csv").is_file() and (out / "faster" / "run.json").is_file()
    assert (out / "report.html").is_file() and (out / "differences.svg").is_file()


def test_compare_refuses_incomparable_variants_and_writes_nothing(tmp_path, small_file):
    other = tmp_path / "other.yaml"
    other.write_text(f"extends: {small_file.name}\nname: other\ncalendar: {{horizon_days: 200}}\n")
    out = tmp_path / "cmp"
    done = sim("compare", str(small_file), str(other), "--out", str(out))
    assert done.returncode == 2 and "different calendars" in done.stderr and not out.exists()
    missing = sim("compare", str(small_file), str(other), "--baseline", "nobody", "--out", str(out))
    assert missing.returncode == 2 and not out.exists()


def test_plot_draws_a_run_folder(tmp_path, small_file):
    out = tmp_path / "run"
    assert sim("run", str(small_file), "-n", "2", "--out", str(out), "--no-report").returncode == 0
    assert not (out / "report.html").exists()
    done = sim("plot", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "shortfall_fan.png").is_file() and (out / "report.html").is_file()
    assert sim("plot", str(tmp_path)).returncode == 2


SWEEP_ARGS = ("--param", "authority.reviewers=2:13:12", "-n", "6", "--set", "buyers.auto.count=40",
              "--threshold", "0.1", "--workers", "2")


def test_sweep_killed_mid_way_resumes_to_the_uninterrupted_output(tmp_path, small_file):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert sim("sweep", str(small_file), *SWEEP_ARGS, "--out", str(whole)).returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(small_file), *SWEEP_ARGS, "--out",
                                str(killed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((killed / "points").glob("p*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = len(list((killed / "points").glob("p*.json")))
    assert 2 <= done_before < 12, "the kill must land mid-sweep"
    resumed = sim("sweep", str(small_file), *SWEEP_ARGS, "--out", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {done_before} of 12 points" in resumed.stdout
    for table in ("points.csv", "tipping.csv"):
        assert (killed / table).read_bytes() == (whole / table).read_bytes()


def test_sweep_refuses_a_changed_scenario_in_the_same_folder(tmp_path, small_file):
    out = tmp_path / "sweep"
    args = ("--param", "authority.reviewers=2:4:2", "-n", "2", "--out", str(out))
    assert sim("sweep", str(small_file), *args).returncode == 0
    changed = sim("sweep", str(small_file), *args, "--set", "authority.green_channel=true")
    assert changed.returncode == 2 and "different sweep or scenario" in changed.stderr


def test_sweep_methods_write_indices_and_plots(tmp_path, small_file):
    out = tmp_path / "morris"
    done = sim("sweep", str(small_file), "--method", "morris", "--samples", "2", "-n", "2", "--out", str(out),
               "--param", "authority.reviewers=2:8", "--param", "supply.transit_days.value=10:40")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "indices.csv")
    assert list(table.parameter) == ["authority.reviewers", "supply.transit_days.value"]
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    assert (out / "morris.png").is_file()
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 1 and "Sensitivity indices of shortfall_fraction" in report
    oat = sim("sweep", str(small_file), "--method", "oat", "-n", "2", "--out", str(tmp_path / "oat"),
              "--param", "authority.reviewers=2,8", "--param", "licence_types.per_shipment.approval_probability=0.5,1")
    assert oat.returncode == 0 and (tmp_path / "oat" / "tornado.svg").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--param", "authority.reviewrs=2:8"), "did you mean 'authority.reviewers'"),
     (("--param", "authority.reviewers=0:8"), "greater than or equal to 1"),
     (("--param", "authority.reviewers=2:8", "--method", "sobol", "--samples", "3"), "power of 2"),
     (("--param", "authority.reviewers=2:8", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"),
      "cannot reach the Dask scheduler"),
     (("--param", "authority.reviewers=2:8", "--metric", "shortfal"),
      "did you mean 'shortfall_kg', 'shortfall_fraction' or 'shortfall_fraction_all_sources'?"),
     (("--param", "authority.reviewers=50-300"), "'50-300' is not a number; give a range as LOW:HIGH"),
     (("--set", "veu.date=2025-12-01", "--param", "veu.date=2025/06/01:2025-09-01"),
      "'2025/06/01' is not a date as YYYY-MM-DD")],
)
def test_sweep_bad_input_exits_2_before_any_work(tmp_path, small_file, args, message):
    out = tmp_path / "sweep"
    done = sim("sweep", str(small_file), *args, "--out", str(out))
    assert done.returncode == 2 and message in done.stderr and not out.exists()


def test_sweep_defined_in_the_scenario_file(tmp_path, small_file):
    definition = tmp_path / "sweep.yaml"
    definition.write_text(f"extends: {small_file.name}\nname: kept\nsweep:\n  method: oat\n  replications: 2\n"
                          "  metric: delay_days\n  params:\n    authority.reviewers: '2:6:3'\n"
                          "    licence_types.per_shipment.approval_probability: [0.5, 1.0]\n")
    out = tmp_path / "out"
    done = sim("sweep", str(definition), "--out", str(out))
    assert done.returncode == 0, done.stderr
    points = pd.read_csv(out / "points.csv")
    assert list(points.columns[1:3]) == ["authority.reviewers", "licence_types.per_shipment.approval_probability"]
    assert len(points) == 1 + 3 + 2 and (out / "tornado.png").is_file()  # base, 3 reviewer levels, 2 approvals
    bad = tmp_path / "bad.yaml"
    bad.write_text(definition.read_text().replace("method: oat", "method: random"))
    refused = sim("sweep", str(bad), "--out", str(tmp_path / "bad"))
    assert refused.returncode == 2 and "bad.yaml:4: sweep.method" in refused.stderr
    plain = sim("sweep", str(small_file), "--out", str(tmp_path / "none"))
    assert plain.returncode == 2 and "no sweep section" in plain.stderr


def test_sweep_without_method_writes_to_the_folder_of_the_method_it_ran(tmp_path, small_file):
    definition = tmp_path / "kept.yaml"
    definition.write_text(f"extends: {small_file.name}\nname: kept\nsweep:\n  method: oat\n  replications: 2\n"
                          "  params:\n    authority.reviewers: '2,6'\n")
    assert sim("sweep", str(definition), cwd=tmp_path).returncode == 0
    flags = sim("sweep", str(small_file), "--param", "authority.reviewers=2,6", "-n", "2", cwd=tmp_path)
    assert flags.returncode == 0, flags.stderr
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert [name.rsplit("-", 1)[0] for name in folders] == ["kept-sweep-oat", "small-sweep-grid"]
    assert (tmp_path / "results" / folders[1] / "points.csv").is_file()
    other = sim("sweep", str(small_file), "--param", "authority.reviewers=3,5", "-n", "2", cwd=tmp_path)
    assert other.returncode == 0, other.stderr  # another sweep of the same method: a folder of its own
    assert len(list((tmp_path / "results").iterdir())) == 3
    again = sim("sweep", str(small_file), "--param", "authority.reviewers=2,6", "-n", "2", cwd=tmp_path)
    assert "resuming" in again.stdout and len(list((tmp_path / "results").iterdir())) == 3  # the same finds its own


def test_verify_quick_passes_every_case(tmp_path):
    out = tmp_path / "verify"
    done = sim("verify", "--quick", "--out", str(out), cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    table = pd.read_csv(out / "verify.csv")
    assert len(table) == 77 and table["passed"].all()
    assert set(table["family"]) == {"mmc", "priority", "inventory", "semantics", "veu", "retry", "thaw", "holiday",
                                    "treatment", "record", "renewal", "capacity", "grant", "partial"}
    assert (out / "verification_mmc.png").is_file()
    assert sim("verify", "mmc_c7", "--out", str(tmp_path / "no"), cwd=ROOT).returncode == 2


def test_replay_end_to_end(tmp_path):
    out = tmp_path / "replay"
    done = sim("replay", "-n", "3", "--out", str(out), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "magnet_exports_total" in done.stdout and (out / "replay_index.svg").is_file()
    assert len(pd.read_csv(out / "replay.csv")) == len(pd.read_csv(ROOT / "data" / "observed_2025.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("quantity,period\nx,1\n")
    refused = sim("replay", "--target", str(bad), "--out", str(tmp_path / "no"), cwd=ROOT)
    assert refused.returncode == 2 and "missing column" in refused.stderr and not (tmp_path / "no").exists()


CALIBRATE = ("calibrate", "--param", "licence_types.per_shipment.approval_probability=0.5:1",
             "--fit", "approval_share_eu", "-n", "2", "--max-steps", "2")


def test_calibrate_end_to_end_writes_a_scenario_that_runs(tmp_path):
    out = tmp_path / "cal"
    done = sim(*CALIBRATE, "--out", str(out), cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr  # 1: stopped at --max-steps before converging
    first = (out / "calibration.csv").read_text()
    fitted = pd.read_csv(out / "calibration.csv").iloc[0]
    assert fitted["parameter"] == "licence_types.per_shipment.approval_probability"
    assert 0.5 <= fitted["fitted"] <= 1 and fitted["ci_low"] <= fitted["fitted"] <= fitted["ci_high"]
    gaps = pd.read_csv(out / "fit.csv")
    assert gaps.loc[gaps["split"] == "fitted", "quantity"].tolist() == ["approval_share_eu"]
    assert (gaps["split"] == "held out").sum() > 10  # every other comparable figure, judged before and after
    assert set(pd.read_csv(out / "scores.csv")["split"]) == {"fitted", "held out"}
    evaluations = pd.read_csv(out / "evaluations.csv")
    assert len(evaluations) == len(list((out / "points").glob("p*.json"))) >= 2
    calibrated = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert calibrated["licence_types"]["per_shipment"]["approval_probability"] == pytest.approx(fitted["fitted"])
    assert calibrated["calibration"] == {"figures": ["approval_share_eu:2025-11-05"],
                                         "parameters": ["licence_types.per_shipment.approval_probability"]}
    assert sim("validate", str(out / "calibrated.yaml")).returncode == 0
    again = sim(*CALIBRATE, "--out", str(out), cwd=ROOT)  # every evaluation is on disk: same answer
    assert again.returncode == done.returncode and (out / "calibration.csv").read_text() == first


def test_calibrate_with_a_rolling_origin_judges_each_fit_on_the_figures_after_its_origin(tmp_path):
    out = tmp_path / "origins"
    done = sim("calibrate", "--param", "licence_types.per_shipment.review_days.mean=8:25", "--origins",
               "2025-09-30,2025-06-30", "-n", "2", "--max-steps", "1", "--out", str(out), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "origins.csv")
    assert table["origin"].tolist() == ["2025-06-30", "2025-09-30"]
    assert table["fitted_figures"].iloc[0] == 6 < table["fitted_figures"].iloc[1]  # April to June, then to September
    assert table["held_out_figures"].iloc[0] > table["held_out_figures"].iloc[1]
    for origin in table["origin"]:
        gaps = pd.read_csv(out / f"origin-{origin}" / "fit.csv")
        dated = pd.to_datetime(gaps["dated"])
        assert (dated[gaps["split"] == "fitted"] <= origin).all()
        assert (dated[(gaps["split"] == "held out") & (gaps["role"] == "compared")] > origin).all()  # limits aside
    assert (out / "origins.md").is_file() and (out / "origins.png").is_file()
    last = pd.read_csv(out / f"origin-{origin}" / "evaluations.csv")
    assert len(list((out / "points").glob("p*.json"))) < 2 * len(last)  # the origins share their evaluations


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--param", "authority.reviewerz=1:9", "--fit", "approval_share_eu"), "did you mean 'authority.reviewers'"),
     (("--param", "authority.reviewers=100:900", "--fit-until", "2025-02-01"), "no chosen figure is dated by then"),
     (("--param", "authority.reviewers=100:900", "--fit-until", "2025-06-30", "--origins", "2025-09-30"),
      "not both"),
     (("--param", "authority.reviewers=100:900", "--fit-until", "30/06/2025"), "is not a date YYYY-MM-DD"),
     (("--param", "authority.reviewers=100:900", "--fit", "approval_moon"), "choose from"),
     (("--param", "authority.reviewers=100,900", "--fit", "approval_share_eu"), "give PATH=LOW:HIGH"),
     (("--param", "authority.reviewers=100:900", "--target", "data/nothing.csv"), "cannot read")],
)
def test_calibrate_bad_input_exits_2_before_any_work(tmp_path, args, message):
    done = sim("calibrate", *args, "--out", str(tmp_path / "no"), cwd=ROOT)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "no").exists()


def test_discover_end_to_end_on_a_latin_hypercube_sweep(tmp_path, small_file):
    out = tmp_path / "lhs"
    done = sim("sweep", str(small_file), "--param", "authority.reviewers=1:12", "--param",
               "licence_types.per_shipment.approval_probability=0.3:1", "--method", "lhs", "--samples", "16",
               "-n", "2", "--threshold", "0.1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "sim discover" in done.stdout  # a space-filling design has no lines: the summary points to discovery
    median = float(pd.read_csv(out / "points.csv")["shortfall_fraction:mean"].median())

    refused = sim("discover", str(out), "--metric", "shortfall_fractoin", "--threshold", str(median))
    assert refused.returncode == 2 and "did not record 'shortfall_fractoin'" in refused.stderr
    assert not (out / "discovery").exists()

    found = sim("discover", str(out), "--metric", "shortfall_fraction", "--threshold", str(median))
    assert found.returncode == 0, found.stderr
    assert "PRIM box" in found.stdout and "CART" in found.stdout
    boxes = pd.read_csv(out / "discovery" / "boxes.csv")
    assert {"parameter", "lower", "upper", "qp_lower", "qp_upper"} <= set(boxes.columns)
    classified = pd.read_csv(out / "discovery" / "classified.csv")
    assert classified["bad"].sum() == (classified["outcome"] > median).sum() > 0
    page = (out / "report.html").read_text()
    assert "Scenario discovery" in page and (out / "discovery" / "discovery_tradeoff.png").is_file()

    delay = float(pd.read_csv(out / "points.csv")["delay_days:mean"].median())
    other = sim("discover", str(out), "--metric", "delay_days", "--threshold", str(delay))
    assert other.returncode == 0, other.stderr
    page = (out / "report.html").read_text()  # the sweep's own part stays on the sweep's metric
    assert "Sweep: lhs, shortfall_fraction" in page and "bad: mean delay_days above" in page


def test_sobol_on_an_emulator_end_to_end(tmp_path, small_file):
    out = tmp_path / "emulated"
    done = sim("sweep", str(small_file), "--method", "sobol", "--emulator", "gp", "--design-points", "30",
               "--samples", "64", "-n", "3", "--param", "authority.reviewers=1:12", "--param",
               "licence_types.per_shipment.approval_probability=0.3:1", "--param",
               "buyers.auto.inventory.reorder_point_days=20:60", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "90 simulator replications run" in done.stdout and "would run 960 (10.7 times as many)" in done.stdout
    validation = pd.read_csv(out / "emulator.csv").iloc[0]
    assert validation["passed"] and validation["q2"] >= 0.8 and validation["design_points"] == 30
    assert len(pd.read_csv(out / "points.csv")) == 30 and len(pd.read_csv(out / "indices.csv")) == 3
    assert "Emulator: cross-validation" in (out / "report.html").read_text()
    refused = sim("sweep", str(small_file), "--method", "morris", "--emulator", "gp", "--design-points", "30",
                  "--param", "authority.reviewers=1:12", "--out", str(tmp_path / "no"))
    assert refused.returncode == 2 and "works with --method sobol" in refused.stderr
    assert not (tmp_path / "no").exists()


def test_the_readmes_first_change_of_your_own_changes_the_licence_wait():
    """README, quick start: more rare-earth reviewers (150 against 100) shorten the wait for licences, paired
    replication by replication on common random numbers (the difference's 99 % t interval below 0)."""
    from sim import load_scenario, run
    from sim.runs.summarise import mean_interval

    def waits(overrides: list[str]) -> pd.Series:
        result = run(load_scenario(BASELINE, overrides), replications=8, seed=3, workers=2)
        rows = result.per_replication
        return rows[(rows["metric"] == "licence_wait_days") & (rows["group"] == "all")]["value"].reset_index(drop=True)

    difference = waits(["authority.pools.rare_earths.reviewers=150"]) - waits([])
    _, _, high = mean_interval(difference.to_numpy(), confidence=0.99)
    assert high < 0


def test_validate_warns_of_a_value_an_inherited_event_replaces_and_explain_says_where_it_comes_from(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(f"extends: {BASELINE.resolve()}\nname: mine\nbuyers:\n  jp_electronics:\n"
                    "    inventory: {initial_days: 180, reorder_point_days: 150, order_up_to_days: 180}\n")
    done = sim("validate", str(mine))
    assert done.returncode == 0 and done.stderr.count("warning: ") == 2
    assert f"{mine}:5: buyers.jp_electronics.inventory.order_up_to_days: replaced on 2025-11-07" in done.stderr
    assert sim("validate", str(mine), "--strict").returncode == 2
    told = sim("explain", str(mine), "buyers.jp_electronics.inventory.order_up_to_days")
    assert told.returncode == 0 and told.stdout.splitlines() == [
        f"buyers.jp_electronics.inventory.order_up_to_days = 180.0: set by {mine}:5",
        "  replaced on 2025-11-07 by policy event 'japan_buy_ahead' (reorder point 75, order-up-to 120 days of "
        "demand)"]
    assert sim("explain", str(mine), "buyers.jp_electronic").returncode == 2


def test_a_sweep_or_comparison_whose_metric_does_not_move_says_so(tmp_path, small_file):
    flat = sim("sweep", str(small_file), "--param", "authority.reviewers=500,600", "-n", "3",
               "--out", str(tmp_path / "flat"))
    assert flat.returncode == 0 and "shortfall_fraction does not move across the sweep" in flat.stdout
    assert "shortfall_fraction does not move across the sweep" in (tmp_path / "flat" / "report.html").read_text()
    steep = sim("sweep", str(small_file), "--param", "licence_types.per_shipment.approval_probability=0.05,1",
                "-n", "3", "--out", str(tmp_path / "steep"))
    assert steep.returncode == 0 and "does not move" not in steep.stdout
    twin = tmp_path / "twin.yaml"
    twin.write_text(f"extends: {small_file.name}\nname: twin\n")
    same = sim("compare", str(small_file), str(twin), "-n", "3", "--out", str(tmp_path / "same"), cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    identical = "No variant differs from small for all buyers: the variants are the same in every replication"
    for said in (same.stdout, (tmp_path / "same" / "summary.md").read_text(),
                 (tmp_path / "same" / "report.html").read_text()):
        assert identical in said
    assert "twin leaves the supply shortfall as a share of China-sourced demand as it is" in same.stdout


def test_group_headlines_on_run_and_compare_and_the_groups_a_file_changes_by_default(tmp_path, small_file):
    typo = sim("run", str(small_file), "-n", "2", "--group", "defense", "--out", str(tmp_path / "typo"))
    assert typo.returncode == 2 and "did you mean 'defence'?" in typo.stderr and not (tmp_path / "typo").exists()
    out = tmp_path / "run"
    done = sim("run", str(small_file), "-n", "2", "--group", "defence", "--group", "sector:automotive", "--out",
               str(out))
    assert done.returncode == 0, done.stderr
    assert "\nbuyer group defence " in done.stdout and "\nthe automotive sector " in done.stdout
    page = (out / "summary.md").read_text()
    assert "## Buyer group defence" in page and "## The automotive sector" in page
    assert "Headline figures: buyer group defence" in (out / "report.html").read_text()
    assert json.loads((out / "run.json").read_text())["groups"] == ["buyer:defence", "sector:automotive"]
    plain = sim("run", str(small_file), "-n", "2", "--out", str(tmp_path / "plain"))
    assert "buyer group" not in plain.stdout  # a file that extends nothing changes no group in particular
    stocked = tmp_path / "stocked.yaml"
    stocked.write_text(f"extends: {small_file.name}\nname: stocked\n"
                       "buyers: {auto: {inventory: {initial_days: 180, reorder_point_days: 150, "
                       "order_up_to_days: 270}}}\n")
    child = sim("run", str(stocked), "-n", "2", "--out", str(tmp_path / "child"))
    assert "\nbuyer group auto " in child.stdout and "buyer group defence" not in child.stdout
    cmp = sim("compare", str(small_file), str(stocked), "-n", "4", "--out", str(tmp_path / "cmp"))
    assert cmp.returncode == 0, cmp.stderr
    said = [line.strip() for line in cmp.stdout.splitlines() if line.strip().endswith("against small.")]
    assert len(said) == 2 and said[0].endswith("for all buyers, against small.")
    assert said[1].endswith("for buyer group auto, against small.")
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    auto = table.query("metric == 'shortfall_fraction' and group == 'buyer:auto' and variant == 'stocked'").iloc[0]
    assert auto["diff_ci_high"] < 0 and "lowers the supply shortfall" in said[1]
    for page in (tmp_path / "cmp" / "summary.md", tmp_path / "cmp" / "stocked" / "summary.md"):
        assert "## Buyer group auto" in page.read_text()


def test_precision_chooses_the_replications_and_says_how(tmp_path, small_file):
    both = sim("run", str(small_file), "--precision", "0.01", "-n", "5", "--out", str(tmp_path / "both"))
    assert both.returncode == 2 and "give -n or --precision, not both" in both.stderr
    typo = sim("run", str(small_file), "--precision", "0.01", "--precision-metric", "shortfal", "--out",
               str(tmp_path / "typo"))
    assert typo.returncode == 2 and "'shortfall_fraction'" in typo.stderr
    whole = sim("run", str(small_file), "--precision", "5", "--out", str(tmp_path / "whole"))
    assert whole.returncode == 2 and "0.005 is half a point" in whole.stderr
    alone = sim("run", str(small_file), "--max-replications", "50", "--out", str(tmp_path / "alone"))
    assert alone.returncode == 2 and "go with --precision" in alone.stderr
    assert not (tmp_path / "both").exists() and not (tmp_path / "typo").exists()
    out = tmp_path / "run"
    done = sim("run", str(small_file), "--precision", "0.5", "--precision-metric", "delay_days", "--out", str(out),
               "--no-report")
    assert done.returncode == 0, done.stderr
    chosen = json.loads((out / "run.json").read_text())["replications_chosen"]
    assert chosen.startswith("replications chosen for a 95 % interval of delay_days no wider than ±0.5")
    assert chosen in done.stdout and chosen.capitalize() in (out / "summary.md").read_text()
    summary = pd.read_csv(out / "summary.csv").set_index(["metric", "group"])
    row = summary.loc[("delay_days", "all")]
    assert (row["ci_high"] - row["ci_low"]) / 2 <= 0.5


def test_a_sweep_with_set_says_so_warns_of_what_shadows_it_and_records_it(tmp_path):
    out = tmp_path / "sweep"
    done = sim("sweep", str(BASELINE), "--param", "authority.pools.rare_earths.reviewers=50,150", "-n", "2",
               "--set", "authority.tension.initial=0.5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "baseline_2025 with --set authority.tension.initial=0.5" in done.stdout
    assert "--set: authority.tension.initial: replaced on" in done.stderr
    assert json.loads((out / "sweep.json").read_text())["overrides"] == ["authority.tension.initial=0.5"]
