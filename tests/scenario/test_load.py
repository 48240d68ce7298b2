"""Reading scenarios: extends, overrides, and a clear message for every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.load import ScenarioError, load_scenario

VALID = """\
name: tiny
calendar:
  start: 2025-01-01
  horizon_days: 365
materials:
  Dy: {}
buyers:
  auto:
    count: 2
    sector: automotive
    destination: EU
    demand:
      Dy: {mean_kg_per_day: 1}
    inventory: {initial_days: 30, reorder_point_days: 20, order_up_to_days: 60}
authority:
  reviewers: 3
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def problems(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return [str(p) for p in caught.value.problems]


def test_valid_scenario_loads_with_defaults(tmp_path):
    scenario = load_scenario(write(tmp_path, "s.yaml", VALID))
    assert scenario.authority.reviewers == 3
    assert scenario.licence_types.per_shipment.validity_days == 90
    assert scenario.supply.transit_days.expected_value() == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID.replace("  reviewers: 3", "  reviewers: many"),
         [":16: authority.reviewers:", "'many' is not a whole number"]),
        (VALID.replace("authority:", "authorty:"), [":15: authorty:", "did you mean 'authority'?"]),
        (VALID.replace("mean_kg_per_day: 1", "mean_kg_per_day: -1"),
         [":13: buyers.auto.demand.Dy.mean_kg_per_day:", "-1 must be at least a gram a year (2.74e-06 kg a day)"]),
        (VALID + "veu: {date: 2025-06-01, false_positive_rate: 1.5}\n",
         [":17: veu.false_positive_rate:", "must be a share from 0 to 1, got 1.5: write 0.015 for 1.5 %"]),
        (VALID + "veu: {date: 2031-06-01}\n", [":17: veu.date:", "outside the simulated period"]),
        (VALID.replace("      Dy: {mean", "      Dx: {mean"), [":12: buyers.auto.demand:", "'Dx' is not defined",
                                                               "did you mean 'Dy'?"]),
        (VALID + "policy:\n  cut:\n    date: 2025-03-01\n    event: revoke\n    share: 0.5\n"
                 "    buyers: {groups: [autos]}\n", ["policy.cut.buyers.groups", "'autos' is not defined"]),
        (VALID + "supply:\n  transit_days: {dist: weibull, mean: 3}\n",
         [":18: supply.transit_days:", "'fixed', 'exponential'"]),
        (VALID + "supply:\n  transit_days: {dist: lognormal, mean: 3}\n",
         [":18: supply.transit_days.sd:", "required key is missing"]),
        ("name: x\ncalendar: {start: 2025-01-01\n", ["s.yaml:3:", "not valid YAML"]),
        ("- a\n- b\n", ["s.yaml:1:", "top level must be a mapping"]),
        ("", ["s.yaml:1:", "empty"]),
        (VALID + "x: &big [1, 2]\ny: *big\n", ["s.yaml:18:", "aliases"]),
        (VALID + "hook: !!python/object/apply:os.system ['echo pwned']\n", ["s.yaml:17:", "not valid YAML"]),
        (VALID + "authority:\n  reviewers: 4\n", ["duplicate key 'authority'"]),
        (VALID + "deep: " + "[" * 200 + "]" * 200 + "\n", ["s.yaml:17:", "nesting deeper than 32 levels"]),
        (VALID.replace("2025-01-01", "2025-02-30"), [":3: calendar.start:", "'2025-02-30'", "out of range"]),
        (VALID + "veu: {date: 2025-13-01}\n", [":17: veu.date:", "'2025-13-01'", "month must be in 1..12"]),
        (VALID.replace("count: 2", "count: !!int two"), [":9: buyers.auto.count:", "cannot read 'two'"]),
        (VALID.replace("mean_kg_per_day: 1", "mean_kg_per_day: 1.0e999"),
         [":13: buyers.auto.demand.Dy.mean_kg_per_day:", "finite number"]),
        (VALID.replace("2025-01-01", "9999-06-01"), [":2: calendar:", "must lie between 1900-01-01 and 2300-01-01"]),
        (VALID.replace("2025-01-01", "2299-06-01"), [":2: calendar:", "365 days from 2299-06-01, must lie between"]),
        (VALID.replace("inventory: {initial_days: 30, reorder_point_days: 20, order_up_to_days: 60}",
                       "inventory: {policy: adaptive, initial_days: 30, smoothing: 0.3, order_days: 30}"),
         [":14: buyers.auto.inventory.lead_time_days:", "required key is missing"]),
        (VALID.replace("  Dy: {}", "  Dy: {price_usd_per_kg: 300}\n  Ga: {}"),
         ["materials.Ga.price_usd_per_kg: missing, while Dy have a price"]),
        (VALID.replace("  horizon_days: 365", "  horizon_days: 365\n  warmup_days: 400"),
         [":2: calendar:", "warmup_days must be shorter than horizon_days"]),
        ("policy:\n  2025-02-30: {}\n", ["s.yaml:2: policy.2025-02-30:", "it has no 'event'"]),  # a name, as written
        (VALID.replace("  Dy: {}", "  Dy: {china_share: 0}"), [":6: materials.Dy.china_share:", "greater than 0"]),
        (VALID.replace("  reviewers: 3", "  reviewers: 3\n  treatments: {t: {buyers: {sectors: [autos]}}}"),
         ["authority.treatments.t.buyers.sectors", "'autos' is not defined", "did you mean 'automotive'?"]),
        (VALID.replace("  reviewers: 3", "  reviewers: 3\n  treatments: {t: {materials: [Sn], review_scale: 2}}"),
         ["authority.treatments.t.materials", "'Sn' is not defined"]),
        (VALID + "policy:\n  surge: {date: 2025-02-03, event: backlog, applications: 10, pool: fast}\n",
         ["policy.surge.pool", "'fast' is not defined"]),
        (VALID + "policy:\n  suspend: {date: 2025-02-03, event: cancel, events: [annonced]}\n",
         ["policy.suspend.events", "'annonced' is not defined"]),
        (VALID + "policy:\n  c: {date: 2025-02-03, event: controls, materials: [Dy], active: true}\n"
                 "  suspend: {date: 2025-03-03, event: cancel, events: [c]}\n",
         ["policy.suspend.events", "only events still to come can be called off"]),
        (VALID.replace("  reviewers: 3", "  reviewers: 3\n  calendar: ZZ"),
         [":17: authority.calendar:", "no holiday calendar for 'ZZ'", "ISO country code such as CN"]),
        (VALID + "policy:\n  rule: {date: 2025-02-03, event: extraterritorial, materials: [Nd], active: true}\n",
         ["policy.rule.materials", "'Nd' is not defined", "Defined: Dy"]),
        (VALID + "policy:\n  plant: {date: 2025-02-03, event: alternative, materials: [Dy],"
                 " capacity_kg_per_month: -5}\n",
         [":18: policy.plant.capacity_kg_per_month:", "greater than or equal to 0"]),
        (VALID + "exporters:\n  jl: {material: Dy, capacity_kg_per_month: 0}\n",
         [":18: exporters.jl.capacity_kg_per_month:", "greater than 0"]),
        (VALID + "exporters:\n  jl: {material: Nd, capacity_kg_per_month: 5}\n",
         [":18: exporters.jl.material:", "'Nd' is not defined"]),
        (VALID.replace("Dy: {mean_kg_per_day: 1}", "Dy: {mean_kg_per_day: 1, exporters: {jl: 0.5, small: 0.4}}")
         + "exporters:\n  jl: {material: Dy, capacity_kg_per_month: 5}\n"
           "  small: {material: Dy, capacity_kg_per_month: 5}\n",
         [":13: buyers.auto.demand.Dy.exporters:", "the shares sum to 0.9; they must sum to 1"]),
        (VALID.replace("Dy: {mean_kg_per_day: 1}", "Dy: {mean_kg_per_day: 1, exporters: {jlmag: 1}}")
         + "exporters:\n  jl_mag: {material: Dy, capacity_kg_per_month: 5}\n",
         [":13: buyers.auto.demand.Dy.exporters:", "'jlmag' is not defined", "did you mean 'jl_mag'?"]),
        (VALID + "exporters:\n  jl: {material: Dy, capacity_kg_per_month: 5}\n"
                 "policy:\n  g: {date: 2025-03-01, event: grant, exporters: [jl], customers: {sectors: [energy]}}\n",
         ["policy.g.customers.sectors", "'energy' is not defined"]),
        (VALID.replace("  Dy: {}", "  Dy: {}\n  Ga: {}")
         + "exporters:\n  jl: {material: Dy, capacity_kg_per_month: 5}\n"
           "  ga: {material: Ga, capacity_kg_per_month: 5}\n"
           "policy:\n  g: {date: 2025-03-01, event: grant, exporters: [ga]}\n",
         ["policy.g.customers:", "'ga' sells to none of these buyers; its customers (of Ga): none"]),
        (VALID + "exporters:\n  jl: {material: Dy, capacity_kg_per_month: 5}\n"
                 "policy:\n  more: {date: 2025-03-01, event: capacity, exporter: jll, capacity_kg_per_month: 9}\n",
         ["policy.more.exporter", "'jll' is not defined", "did you mean 'jl'?"]),
        (VALID + "veu: {date: 02/03/2026}\n", [":17: veu.date:", "'02/03/2026' is not a date: write it as YYYY-MM-DD"]),
        (VALID + "veu: {date: 2026-3-2}\n", [":17: veu.date:", "'2026-3-2' is not a date: write it as YYYY-MM-DD"]),
        (VALID + "supply: {transit_days: 5 weeks}\n",
         [":17: supply.transit_days:", "'5 weeks' is not a number of days or a distribution",
          "{dist: lognormal, mean: 35, sd: 7}"]),
        (VALID.replace("inventory: {initial_days: 30, reorder_point_days: 20, order_up_to_days: 60}", "inventory: 5"),
         [":14: buyers.auto.inventory:", "5 is not a mapping: write its keys, policy, initial_days"]),
        (VALID.replace("buyers:\n  auto:", "buyers:\n  autos: {count: 3}\n  auto:"),
         ["buyers.autos:", "'autos' is a new entry (missing demand, destination, inventory, sector); did you mean "
          "'auto'?"]),
        (VALID + "policy:\n  listed: {date: 2025-03-01, event: listing, share: 0.5, count: 1}\n",
         [":18: policy.listed:", "give either share (of the matching firms) or count (of them), not both"]),
    ],
    ids=["wrong-type", "unknown-key", "negative-rate", "probability", "date-outside", "undefined-material",
         "undefined-group", "unknown-distribution", "missing-parameter", "yaml-syntax", "top-level-list", "empty",
         "alias", "python-tag", "duplicate-key", "deep-nesting", "impossible-date", "impossible-month",
         "unreadable-tagged-number", "infinite-number", "period-beyond-the-calendar", "period-ending-after-2300",
         "adaptive-without-lead-time", "price-for-some-materials", "warm-up-longer-than-horizon",
         "impossible-date-as-key", "nothing-from-china", "unknown-sector-in-a-treatment",
         "unknown-material-in-a-treatment", "unknown-pool", "cancel-of-an-unknown-event", "cancel-of-a-past-event",
         "unknown-holiday-calendar", "extraterritorial-rule-on-an-unknown-material", "negative-alternative-capacity",
         "exporter-without-capacity", "exporter-of-an-unknown-material", "shares-not-summing-to-one",
         "unknown-exporter-of-a-group", "grant-to-an-unknown-sector", "licence-naming-no-customer",
         "capacity-of-an-unknown-exporter", "date-with-slashes", "date-without-leading-zeros",
         "duration-in-words", "inventory-as-a-number", "misspelt-group", "listing-by-share-and-count"],
)
def test_bad_scenario_names_file_line_key_and_rule(tmp_path, text, expected):
    found = "\n".join(problems(write(tmp_path, "s.yaml", text)))
    for fragment in expected:
        assert fragment in found


def test_extends_merges_deeply_and_null_removes(tmp_path):
    write(tmp_path, "base.yaml", VALID + "policy:\n  ban:\n    {date: 2025-02-01, event: ban, destination: EU,"
                                         " materials: [Dy], active: true}\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\nauthority: {green_channel: true}\n"
                                          "policy: {ban: null}\n")
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.authority.reviewers == 3 and scenario.authority.green_channel
    assert scenario.policy == {}


def test_error_in_parent_points_at_parent_file(tmp_path):
    write(tmp_path, "base.yaml", VALID.replace("reviewers: 3", "reviewers: 0"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    assert any("base.yaml:16: authority.reviewers" in p for p in problems(child))


def test_impossible_date_in_parent_points_at_parent_file(tmp_path):
    write(tmp_path, "base.yaml", VALID.replace("2025-01-01", "2025-04-31"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    assert any("base.yaml:3: calendar.start: cannot read '2025-04-31'" in p for p in problems(child))


def test_missing_and_cyclic_extends_are_refused(tmp_path):
    missing = write(tmp_path, "m.yaml", "extends: nowhere.yaml\nname: m\n")
    assert "m.yaml:1: extends: no such file" in problems(missing)[0]
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    assert "extends cycle" in problems(b)[0]


def test_set_overrides_any_parameter(tmp_path):
    path = write(tmp_path, "s.yaml", VALID)
    scenario = load_scenario(path, ["authority.reviewers=7", "supply.transit_days={dist: exponential, mean: 9}",
                                    "calendar.start=2025-02-01"])
    assert scenario.authority.reviewers == 7
    assert scenario.supply.transit_days.expected_value() == 9
    assert str(scenario.calendar.start) == "2025-02-01"


@pytest.mark.parametrize(
    ("override", "expected"),
    [("authority.reviewers=-3", "--set: authority.reviewers: Input should be greater than or equal to 1"),
     ("authority.reviewrs=3", "did you mean 'reviewers'?"),
     ("noequals", "expected KEY=VALUE"),
     ("name.x=3", "name is a single value"),
     ("veu.date=2025-13-01", "--set: veu.date: cannot read '2025-13-01'"),
     ("supply.transit_days={dist: uniform, low: 1, high: !!float x}", "--set: supply.transit_days.high: cannot read"),
     ("authority.tension.initial=.inf", "--set: authority.tension.initial: Input should be a finite number"),
     ("policy={2025-02-30: 1}", "--set: policy.2025-02-30:")],
)
def test_bad_override_is_refused(tmp_path, override, expected):
    path = write(tmp_path, "s.yaml", VALID)
    assert any(expected in p for p in problems(path, (override,)))


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, "s.yaml", VALID + "#" * (3 * 1024 * 1024))
    assert "over 2097152 bytes, the most a scenario may be" in problems(path)[0]


BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2025.yaml"


@pytest.mark.parametrize(("override", "said"), [
    ("policy.japan_buy_ahaed.reorder_point_days=80",
     "--set: policy.japan_buy_ahaed: 'japan_buy_ahaed' is a new entry (it has no 'event', which says what kind of "
     "entry it is); did you mean 'japan_buy_ahead'?"),
    ("materials.NdFEB.china_share=0.8", "materials.NdFEB: 'NdFEB' is a new entry"),
    ("buyers.eu_autos.patience_days=30", "--set: buyers.eu_autos: 'eu_autos' is a new entry (missing count, demand, "
                                         "destination, inventory, sector); did you mean 'eu_auto'?"),
    ("licence_types.per_shipment.validity_days=3 months",
     "'3 months' is not a number: validity_days is in days, write 90 for 3 months"),
    ("buyers.eu_auto.patience_days=2 weeks", "--set: buyers.eu_auto.patience_days: '2 weeks' is not a number: "
                                             "patience_days is in days, write 14 for 2 weeks"),
    ("licence_types.per_shipment.approval_probability=90%", "'90%' is not a number: write 0.9 for 90 %"),
    ("veu.false_positive_rate=10", "must be a share from 0 to 1, got 10: write 0.1 for 10 %"),
    ("veu.date=2026-12-5", "'2026-12-5' is not a date: write it as YYYY-MM-DD: 2026-12-05?"),
    ("veu.date=02/03/2026", "write it as YYYY-MM-DD: 2026-02-03 or 2026-03-02, depending on whether the day or the "
                            "month comes first"),
    ("veu.date=13/03/2026", "write it as YYYY-MM-DD: 2026-03-13?"),
])
def test_the_commonest_mistakes_are_said_in_the_users_words_with_the_form_meant(override, said):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, [override])
    assert said in str(caught.value)
    assert "did you mean 'us_auto'" not in str(caught.value)  # an entry that exists is not called a misspelling
