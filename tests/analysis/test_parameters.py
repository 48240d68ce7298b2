"""Swept and calibrated parameters: parsed and checked against the scenario before any work."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.analysis.parameters import SweepError, parse_param, variant
from sim.analysis.sweep import plan
from tests.conftest import small


@pytest.mark.parametrize(("text", "said"), [
    ("authority.reviewers=1:4:1000000", "STEPS must be from 2 to 1,000, got 1,000,000"),
    ("authority.reviewers=1:4:20", "1:4 holds 4 whole numbers, not 20 steps: give at most 4"),
    ("calendar.start=2025-01-01:2025-01-03:5", "holds 3 days, not 5 steps"),
    ("authority.reviewers=1:inf", "inf is not a finite number"),
    ("authority.reviewers=4:1", "LOW must be below HIGH"),
    ("authority.reviewer=1:4", "did you mean 'authority.reviewers'?"),
    ("veu.false_positive_rate=0:2", "veu.false_positive_rate"),
])
def test_a_range_that_cannot_be_swept_is_refused_saying_why(text, said):
    """A million steps once built its points for minutes, growing without end; 1:inf raised OverflowError."""
    with pytest.raises(SweepError, match=said):
        parse_param(text, small())


def test_a_range_of_whole_numbers_or_days_gives_each_value_once():
    scenario = small()
    assert parse_param("authority.reviewers=1:4:4", scenario).levels() == [1, 2, 3, 4]
    days = parse_param("calendar.start=2025-01-01:2025-01-03:3", scenario).levels()
    assert days == [dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 3)]


def test_a_grid_of_too_many_combinations_is_refused_before_its_points_are_made():
    with pytest.raises(SweepError, match="200,000 combinations"):
        plan(small(), params=["authority.tension.initial=0:1:1000", "authority.reviewers=1:400:200"])


def test_a_variant_sets_values_by_path_and_is_validated():
    assert variant(small(), {"authority.reviewers": 7}).authority.reviewers == 7
    with pytest.raises(SweepError, match="authority.reviewers"):
        variant(small(), {"authority.reviewers": 0})
