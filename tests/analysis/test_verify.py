"""Verification machinery: the closed forms themselves, and the cases that need no statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis.verify import cases, cobham_waits, erlang_c, exact, statistical, verify

FOLDER = Path(__file__).resolve().parents[2] / "scenarios" / "verification"


def test_erlang_c_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: the chance of waiting is the utilisation
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(10, 9.5) == pytest.approx(0.8256, abs=1e-4)


def test_cobham_classes_average_to_the_fcfs_wait():
    """Work conservation: with equal service times, priority reorders waits but keeps their rate-weighted mean."""
    rates, servers, service = [0.6, 1.0], 2, 1.0
    waits = cobham_waits(servers, rates, service)
    offered = sum(rates) * service
    fcfs = erlang_c(servers, offered) * service / (servers - offered)
    assert np.average(waits, weights=rates) == pytest.approx(fcfs)
    assert waits[0] < fcfs < waits[1]


def test_statistical_and_exact_checks_say_what_they_tolerate():
    inside = statistical("q", 1.0, np.array([0.9, 1.1, 1.0, 0.95, 1.05]))
    outside = statistical("q", 2.0, np.array([0.9, 1.1, 1.0, 0.95, 1.05]))
    assert inside["passed"] and not outside["passed"] and "99%" in inside["tolerance"]
    assert exact("q", 0.0, 0.0)["passed"] and not exact("q", 0.0, 1e-6)["passed"]


def test_exact_cases_pass():
    table = verify(cases(FOLDER, ["semantics_fixed_times", "inventory_fixed_lead", "veu_false_positives",
                                  "retry_fixed_times", "thaw_controls", "holiday_clock"]), quick=True)
    assert len(table) == 6 + 1 + 4 + 2 + 3 + 2 and table["passed"].all()


def test_unknown_case_is_refused():
    with pytest.raises(ValueError, match="unknown verification case"):
        cases(FOLDER, ["mmc_c7_rho099"])
