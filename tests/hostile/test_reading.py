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


def test_whole_numbers_are_decimal_and_only_true_and_false_are_booleans(tmp_path):
    """010 was read as 8 (YAML 1.1 octal) and NO, off, 0 or 'y' were taken for false or true."""
    assert load_scenario(BASELINE, ["authority.reviewers=010"]).authority.reviewers == 10
    assert "'0x10' is not a whole number" in refused(BASELINE, ["authority.reviewers=0x10"])
    for word, read in (("NO", "'NO'"), ("off", "'off'"), ("0", "0"), ("y", "'y'")):
        said = refused(BASELINE, [f"licence_types.six_month.open={word}"])
        assert f"{read} is neither true nor false: write true or false" in said


def test_a_byte_order_mark_is_not_part_of_the_first_key(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + f"extends: {BASELINE}\nname: bom\n".encode())
    assert load_scenario(path).name == "bom"


def test_only_a_yaml_file_is_read_as_a_scenario_and_its_lines_are_never_echoed(tmp_path):
    """The main file was read whatever its name, and an unknown key quoted its line (a password hash)."""
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$TOPSECRET:19000:0:99999:7:::\n")
    link = tmp_path / "secret.yaml"
    link.symlink_to(secret)
    for path in (secret, link):
        said = refused(path)
        assert "not a scenario file" in said and "TOPSECRET" not in said


def test_taking_back_a_key_the_file_does_not_set_is_refused_with_the_name_it_is_close_to():
    said = refused(BASELINE, ["policy.april_contrls=~"])
    assert "nothing to take back to its default" in said and "did you mean 'policy.april_controls'?" in said
    assert "april_controls" not in load_scenario(BASELINE, ["policy.april_controls=~"]).policy
