"""The regime in force: what the rules are right now. Dated policy events change it (``sim.model.policy``)."""

from __future__ import annotations

from sim.scenario.schema import LICENCE_KINDS, Scenario


class Regime:
    """Controlled materials, bans, open licence kinds, approval and review settings, tension, VEU."""

    def __init__(self, scenario: Scenario) -> None:
        kinds = scenario.licence_types
        self.controlled = {name for name, m in scenario.materials.items() if m.controlled}
        self.bans: set[tuple[str, str]] = set()
        self.open_kinds = {kind for kind in LICENCE_KINDS if kinds[kind].open}
        self.approval = {kind: kinds[kind].approval_probability for kind in LICENCE_KINDS}
        self.review_scale = dict.fromkeys(LICENCE_KINDS, 1.0)
        self.tension = scenario.authority.tension.initial
        self.green_channel = scenario.authority.green_channel
        self.veu_active = False

    def banned(self, destination: str, material: str) -> bool:
        """Whether exports of the material to the destination are banned outright."""
        return (destination, material) in self.bans
