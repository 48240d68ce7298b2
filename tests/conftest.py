"""Shared helpers: small scenarios built in code, and the shipped scenario files."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import yaml

from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
REPLAY_VARIANTS = sorted((ROOT / "scenarios" / "replay").glob("*.yaml"))

SMALL: dict[str, Any] = {
    "name": "small",
    "calendar": {"start": "2025-01-06", "horizon_days": 365, "warmup_days": 30},
    "materials": {"Dy": {"china_share": 0.9}, "Ga": {}},
    "buyers": {
        "auto": {
            "count": 6,
            "sector": "automotive",
            "destination": "EU",
            "trusted": True,
            "demand": {"Dy": {"mean_kg_per_day": 2, "cv": 0.3}, "Ga": {"mean_kg_per_day": 1}},
            "inventory": {"initial_days": 60, "reorder_point_days": 45, "order_up_to_days": 90},
        },
        "defence": {
            "count": 3,
            "sector": "defence",
            "destination": "US",
            "military": True,
            "demand": {"Dy": {"mean_kg_per_day": 1}},
            "inventory": {"initial_days": 60, "reorder_point_days": 45, "order_up_to_days": 90},
        },
    },
    "licence_types": {"six_month": {"open": True}},
    "monte_carlo": {"replications": 4, "seed": 7},
}


def merged(base: dict, changes: dict) -> dict:
    """Deep copy of ``base`` with ``changes`` merged in (mappings key by key, None removes)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def small(**changes: Any) -> Scenario:
    """The small test scenario, with changes merged in."""
    return Scenario.model_validate(merged(SMALL, changes))


@pytest.fixture
def small_scenario() -> Scenario:
    return small()


def sim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``sim ARGS`` as a user types it, in a fresh interpreter: what it printed and its exit status."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """The small test scenario as a user's YAML file."""
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL, sort_keys=False))
    return path


settings_profiles = {"default": 60, "thorough": 1000}
for _name, _examples in settings_profiles.items():
    hypothesis.settings.register_profile(_name, max_examples=_examples, deadline=None,
                                         suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
