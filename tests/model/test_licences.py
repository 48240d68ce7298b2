"""Licence kinds: eligibility, validity, renewal without a gap, exact revocation."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np

from sim.model.licences import KINDS
from sim.model.records import REASON_CODE
from sim.model.world import World, simulate
from sim.runs.streams import streams
from sim.scenario.sections import LICENCE_KINDS
from tests.conftest import ROOT, small

FAST = {"review_days": 2, "approval_probability": 1.0}


def run_world(scenario, seed: int = 1) -> World:
    world = World(scenario, streams(seed, 0))
    world.run()
    return world


def test_six_month_licences_only_for_trusted_civilian_firms():
    world = run_world(small(licence_types={"six_month": FAST, "per_shipment": FAST}))
    kinds_by_group = {}
    for licence in world.licensing.granted:
        kinds_by_group.setdefault(licence.customers[0].group_name, set()).add(licence.kind)
    assert "six_month" in kinds_by_group["auto"]
    assert "six_month" not in kinds_by_group.get("defence", set())


def test_orders_go_on_under_per_shipment_licences_while_a_first_six_month_licence_is_reviewed():
    scenario = small(licence_types={"six_month": {**FAST, "review_days": 40}, "per_shipment": FAST},
                     buyers={"auto": {"count": 1}, "defence": {"count": 1}})
    world = run_world(scenario)
    first_six_month = min(lic.starts for lic in world.licensing.granted if lic.kind == "six_month")
    early = [o for o in world.needs if o.stock.firm.group_name == "auto" and o.t_ordered < first_six_month]
    assert early and all(o.licence_kind == "per_shipment" for o in early)
    assert all(o.t_licensed - o.t_ordered == 2 for o in early)


def test_renewal_applied_before_expiry_leaves_no_gap():
    scenario = small(licence_types={"six_month": {**FAST, "validity_days": 60, "renewal_lead_days": 10},
                                    "per_shipment": FAST})
    world = run_world(scenario)
    by_holder = {}
    for licence in world.licensing.granted:
        if licence.kind == "six_month":
            by_holder.setdefault((licence.customers[0].index, licence.material), []).append(licence)
    assert by_holder
    for chain in by_holder.values():
        chain.sort(key=lambda lic: lic.starts)
        assert len(chain) >= 4  # 365 days / 60-day licences
        for earlier, later in zip(chain, chain[1:], strict=False):
            assert later.starts == earlier.expires


def test_general_licence_needs_a_track_record_of_the_same_material_within_the_window():
    scenario = small(
        licence_types={"per_shipment": FAST, "six_month": {"open": False},
                       "general": {**FAST, "open": True, "track_record": 3, "track_record_days": 200}},
        buyers={"auto": {"count": 2}},
    )
    world = run_world(scenario)
    granted: dict[tuple[int, str], list[float]] = {}
    generals = 0
    for app in sorted(world.authority.applications, key=lambda a: a.t_applied):
        key = (app.firm.index, app.material)
        if app.kind == "per_shipment" and app.approved:
            granted.setdefault(key, []).append(app.t_decided)
        if app.kind == "general" and not app.renewal:
            generals += 1
            recent = [t for t in granted.get(key, []) if app.t_applied - 200 <= t <= app.t_applied]
            assert len(recent) >= 3
    assert generals > 0


def test_a_renewal_undecided_at_expiry_lets_orders_go_on_under_single_use_licences():
    scenario = small(licence_types={"per_shipment": FAST,
                                    "six_month": {"open": True, "review_days": 30, "approval_probability": 1.0,
                                                  "validity_days": 60, "renewal_lead_days": 5}},
                     buyers={"auto": {"count": 3, "licences": ["six_month", "per_shipment"]}, "defence": None})
    world = run_world(scenario)
    renewals = [a for a in world.authority.applications if a.kind == "six_month" and a.renewal]
    assert renewals
    gaps = [(a.t_applied + 5, a.t_decided) for a in renewals]  # from the old licence's expiry to the decision
    during = [n for n in world.needs for start, end in gaps
              if start <= n.t_attempt < end and n.stock.firm is renewals[0].firm]
    assert during and all(n.licence_kind == "per_shipment" for n in during if n.t_licensed == n.t_licensed)


def test_a_revocation_reaches_renewals_granted_and_pending_and_bars_the_kind():
    scenario = small(
        buyers={"auto": {"count": 10, "licences": ["six_month", "per_shipment"]}},
        licence_types={"six_month": {**FAST, "review_days": 30, "validity_days": 100, "renewal_lead_days": 40},
                       "per_shipment": FAST},
        policy={"cut": {"date": "2025-06-02", "event": "revoke", "licences": ["six_month"], "share": 1.0}},
    )
    world = run_world(scenario)
    day = scenario.calendar.day(scenario.policy["cut"].date)
    cooldown = scenario.licence_types.six_month.cooldown_days
    assert not [a for a in world.authority.applications if a.kind == "six_month" and day < a.t_applied < day + cooldown]
    later = [lic for lic in world.licensing.granted if lic.kind == "six_month" and day < lic.starts < day + cooldown]
    assert later and all(lic.revoked_at == day for lic in later)  # granted before the cut, to start after it
    pending = [a for a in world.authority.applications
               if a.kind == "six_month" and a.renewal and a.t_applied < day and a.t_decided >= day]
    assert pending and all(a.withdrawn and a.t_decided == day for a in pending)


def test_revocation_stops_exactly_the_configured_share():
    scenario = small(
        buyers={"auto": {"count": 25}},
        licence_types={"six_month": {**FAST, "validity_days": 400}, "per_shipment": FAST},
        policy={"cut": {"date": "2025-06-02", "event": "revoke", "licences": ["six_month"], "share": 0.4}},
    )
    world = run_world(scenario)
    day = scenario.calendar.day(scenario.policy["cut"].date)
    in_force = [lic for lic in world.licensing.granted if lic.kind == "six_month" and lic.starts <= day < lic.expires
                and (math.isnan(lic.revoked_at) or lic.revoked_at >= day)]
    revoked = [lic for lic in in_force if lic.revoked_at == day]
    assert len(in_force) >= 40
    assert len(revoked) == round(0.4 * len(in_force)) == world.licensing.revocations
    # Goods not yet exported under a revoked licence are stopped at export, on or after the revocation.
    stopped = [(t_failed, at_export) for _, _, t_failed, _, reason, at_export in world.exports.failures
               if reason == REASON_CODE["revoked"]]
    assert stopped and all(t_failed >= day and at_export for t_failed, at_export in stopped)


def test_every_licence_kind_of_the_schema_has_its_rules():
    assert set(KINDS) == set(LICENCE_KINDS)


NEW_KIND_FIELD = '''    monthly: LicenceType = Field(
        default_factory=lambda: LicenceType(open=False, validity_days=30), description="A throwaway kind of a test."
    )

'''
NEW_KIND_RULES = (
    '\nKINDS["monthly"] = Kind(single_use=False, vetted=True, builds_track_record=False, trusted_civilian_only=False)\n'
)
PROBE = '''
import json
from tests.model.test_licences import plain_orders
import numpy as np
from sim.model.records import KIND_CODE
from sim.model.world import simulate
from sim.runs.streams import streams
from sim.scenario.schema import Scenario
from tests.conftest import SMALL, merged

fast = {"review_days": 2, "approval_probability": 1.0}
plain = Scenario.model_validate(SMALL)
monthly = Scenario.model_validate(merged(SMALL, {
    "buyers": {"auto": {"licences": ["monthly", "per_shipment"]}},
    "licence_types": {"monthly": {**fast, "open": True, "vetting_days": 1.5}, "per_shipment": fast}}))
records = simulate(monthly, streams(1, 0))
o = records.needs
under = (o["licence"] == KIND_CODE["monthly"]) & (o["status"] == 2)
print(json.dumps({
    "delivered_under_new_kind": int(under.sum()),
    "vetting_days": sorted(set(np.round(o["t_vetted"][under] - o["t_licensed"][under], 9).tolist())),
    "plain_orders": plain_orders(simulate(plain, streams(1, 0)).needs),
}))
'''


def plain_orders(orders: dict[str, np.ndarray]) -> dict[str, list]:
    """Orders as JSON-ready lists, licence kinds by name (their codes follow the kinds' order)."""
    names = np.array([*LICENCE_KINDS, "none"])  # code -1: no licence
    return {column: (names[values].tolist() if column == "licence" else values.tolist())
            for column, values in orders.items()}


def test_a_new_licence_kind_needs_only_its_schema_entry_and_its_rules(tmp_path):
    """A copy of the package with a kind added in exactly two places (the schema's ``LicenceTypes``, between
    two kinds, and ``KINDS``) runs a scenario under it, and leaves the results of every other kind as they were."""
    package = tmp_path / "sim"
    shutil.copytree(ROOT / "sim", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    schema = package / "scenario" / "sections.py"
    anchor = "    six_month: LicenceType = Field("  # the new kind goes between two others
    assert schema.read_text().count(anchor) == 1
    schema.write_text(schema.read_text().replace(anchor, NEW_KIND_FIELD + anchor))
    with (package / "model" / "licences.py").open("a") as rules:
        rules.write(NEW_KIND_RULES)
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, check=True)
    found = json.loads(done.stdout)
    assert found["delivered_under_new_kind"] > 0
    assert found["vetting_days"] == [1.5]
    original = plain_orders(simulate(small(), streams(1, 0)).needs)
    assert set(found["plain_orders"]) == set(original)
    for column, values in original.items():
        np.testing.assert_array_equal(np.array(found["plain_orders"][column]), np.array(values))


def test_after_a_refusal_the_kind_is_barred_for_its_cooldown_renewals_included():
    scenario = small(
        buyers={"auto": {"count": 5, "licences": ["six_month", "per_shipment"]}, "defence": None},
        licence_types={"six_month": {**FAST, "validity_days": 60, "renewal_lead_days": 20, "cooldown_days": 100},
                       "per_shipment": FAST},
        policy={"no": {"date": "2025-04-07", "event": "authority", "licences": ["six_month"],
                       "approval_probability": 0.0}},
    )
    world = run_world(scenario)
    apps = sorted((a for a in world.authority.applications if a.kind == "six_month"), key=lambda a: a.t_applied)
    refused = [a for a in apps if a.t_decided == a.t_decided and not a.approved and not a.withdrawn]
    assert any(a.renewal for a in refused)
    for a in refused:
        assert not [b for b in apps if b.firm is a.firm and b.material == a.material
                    and a.t_decided < b.t_applied < a.t_decided + 100]
