"""Reading is bounded and private, and YAML is read as people write it."""

from __future__ import annotations

import os

import pytest

from sim.scenario.load import MAX_FILE_BYTES, ScenarioError, load_scenario
from tests.conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline_2025.yaml"


def refused(path, overrides=()) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return str(caught.value)


def test_a_device_a_pipe_or_a_folder_is_refused_before_reading(tmp_path):
    assert "not a regular file" in refused("/dev/zero")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in refused(fifo)  # would block forever if it were opened
    assert "not a regular file" in refused(tmp_path)


def test_extends_follows_only_scenario_files_and_never_echoes_another_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$very-secret-hash:19000:0:99999:7:::\n")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {secret}\nname: x\n")
    said = refused(child)
    assert "ending in .yaml or .yml" in said and "very-secret-hash" not in said


def test_reading_stops_at_the_size_limit_whatever_the_file_says(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    assert f"over {MAX_FILE_BYTES} bytes" in refused(big)


@pytest.mark.parametrize(("text", "said"), [
    ("name: x\x00\n", "holds a NUL byte"),
    ("name: x\nbuyers: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than 32 levels"),
    (b"name: \xff\xfe\n", "cannot read the file as UTF-8 text"),
])
def test_binary_or_absurdly_nested_files_are_refused_with_a_message(tmp_path, text, said):
    path = tmp_path / "bad.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert said in refused(path)


def test_numbers_booleans_and_names_are_read_as_written(tmp_path):
    scenario = load_scenario(BASELINE, ["supply.transit_days=1e2"])
    assert scenario.supply.transit_days.value == 100  # 1e2 is a number, not the text '1e2'
    assert "True is not a whole number" in refused(BASELINE, ["buyers.eu_auto.count=true"])
    assert "True is not a whole number" in refused(BASELINE, ["authority.reviewers=true"])
    path = tmp_path / "no.yaml"
    path.write_text(f"extends: {BASELINE}\nname: no\nmaterials:\n  NO: {{china_share: 0.5, price_usd_per_kg: 10}}\n")
    assert "NO" in load_scenario(path).materials and "False" not in load_scenario(path).materials


@pytest.mark.parametrize(("override", "said"), [
    ("supply.transit_days={dist: lognormal, mean: 30, sd: 1e300}",
     "--set: supply.transit_days.sd: 1e+300 is over a million days, the most it may be"),
    ("supply.transit_days={dist: lognormal, mean: 0.001, sd: 100}",
     "--set: supply.transit_days: sd 100 is over 1000 times the mean 0.001"),
])
def test_a_distribution_that_would_overflow_is_refused_at_the_key_set(override, said):
    assert said in refused(BASELINE, [override])  # sim validate said ok and sim run raised OverflowError before


def test_set_merges_a_mapping_as_extends_does_and_says_what_it_cannot_use(tmp_path):
    base = load_scenario(BASELINE)
    merged = load_scenario(BASELINE, ["authority={reviewers: 5}"])
    assert merged.authority.reviewers == 5
    assert merged.authority.pools == base.authority.pools and merged.authority.tension == base.authority.tension
    assert load_scenario(BASELINE, ["veu.date=~"]).veu.date is None  # ~ takes a key back to its default
    assert "has no value: give one, or ~ to take the key back to its default" in refused(BASELINE, ["veu.date="])


def test_a_child_or_a_set_may_choose_another_distribution_family_or_inventory_policy(tmp_path):
    assert load_scenario(BASELINE, ["supply.transit_days={dist: exponential, mean: 20}"]).supply.transit_days.mean == 20
    assert load_scenario(BASELINE, ["supply.transit_days={mean: 20}"]).supply.transit_days.sd > 0  # same family: merged
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {BASELINE}\nname: child\nbuyers:\n  eu_auto:\n    inventory: {{policy: fixed_interval, "
                     "initial_days: 60, interval_days: 30, order_days: 30}\n")
    assert load_scenario(child).buyers["eu_auto"].inventory.policy == "fixed_interval"
    child.write_text(f"extends: {BASELINE}\nname: child\nbuyers:\n  eu_auto:\n    inventory: {{policy: fixed_interval, "
                     "initial_days: 60, interval_days: 30, order_days: 30, reorder_point_days: 5}\n")
    said = refused(child)  # the keys are checked against the policy chosen
    assert "unknown key 'reorder_point_days'" in said and "did you mean 'reorder_point_days'" not in said
