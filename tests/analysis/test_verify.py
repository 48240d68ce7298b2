"""Verification machinery: the closed forms themselves, and the cases that need no statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis.verify import binomial, cases, cobham_waits, erlang_c, exact, judged_together, statistical, verify
from sim.runs.summarise import mean_interval

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
    sample = np.array([0.9, 1.1, 1.0, 0.95, 1.05])
    inside, outside, flagged = judged_together([statistical("q", 1.0, sample), statistical("q", 2.0, sample),
                                                binomial("share", 0.1, 1000, 100)])
    assert inside["passed"] and not outside["passed"] and flagged["passed"]
    assert "at 99.6667% (99% for the 3 statistical checks together)" in inside["tolerance"]
    _, low, high = mean_interval(sample, 0.99)
    assert inside["ci_high"] - inside["ci_low"] > 1.3 * (high - low)  # wider than the check alone at 99 % (x1.36)
    assert exact("q", 0.0, 0.0)["passed"] and not exact("q", 0.0, 1e-6)["passed"]


def test_a_correct_model_fails_some_check_of_a_run_at_most_one_time_in_a_hundred():
    """24 checks (those of the suite) of 8 replications each, of a model whose means are the theory: judged one by
    one at 99 %, a fifth of runs would fail one; judged together, at most 1 %."""
    rng = np.random.default_rng(5)
    runs, checks = 500, 24
    failed = sum(not all(row["passed"] for row in judged_together(
        [statistical("q", 0.0, rng.standard_normal(8)) for _ in range(checks)])) for _ in range(runs))
    assert failed <= runs * 0.01 + 3 * np.sqrt(runs * 0.01 * 0.99)  # three binomial sd above 1 %


def test_exact_cases_pass():
    table = verify(cases(FOLDER, ["semantics_fixed_times", "inventory_fixed_lead", "veu_false_positives",
                                  "retry_fixed_times", "thaw_controls", "holiday_clock"]), quick=True)
    assert len(table) == 6 + 1 + 4 + 2 + 3 + 2 and table["passed"].all()


def test_unknown_case_is_refused():
    with pytest.raises(ValueError, match="unknown verification case"):
        cases(FOLDER, ["mmc_c7_rho099"])
