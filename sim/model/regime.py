"""The regime in force: what the rules are right now. Dated policy events change it (``sim.model.policy``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sim.model.buyers import Firm
from sim.scenario.distributions import Distribution
from sim.scenario.schema import Scenario
from sim.scenario.sections import LICENCE_KINDS, Treatment


class Regime:
    """Controlled materials, bans, open licence kinds, how the authority treats applications, tension, VEU: read by
    the model everywhere, changed only through its methods (by dated events, ``sim.model.policy``)."""

    def __init__(self, scenario: Scenario) -> None:
        kinds = scenario.licence_types
        self.controlled = {name for name, m in scenario.materials.items() if m.controlled}
        self.bans: set[tuple[str, str]] = set()
        self.listed: set[tuple[int, str]] = set()
        """(firm index, material) of the firms on China's control list, for the materials listed."""
        self.open_kinds = {kind for kind in LICENCE_KINDS if kinds[kind].open}
        self.treatments: list[Treatment] = [
            Treatment(licences=[kind], approval_probability=kinds[kind].approval_probability, review_scale=1.0,
                      granted_share=kinds[kind].granted_share, hold=False)
            for kind in LICENCE_KINDS
        ] + list(scenario.authority.treatments.values())
        """Every treatment in force, oldest first: each kind's own, the scenario's, then dated events'."""
        self._settled: dict[tuple[str, str, str, str, bool], float | bool | Distribution] = {}
        """What the treatments give each kind of application, as asked: a review asks twice, and they seldom change."""
        self.tension = scenario.authority.tension.initial
        self.green_channel = scenario.authority.green_channel
        self.veu_active = False

    def control(self, materials: Collection[str], active: bool) -> None:
        """Exports of these materials need a licence from now (``active``), or no longer."""
        if active:
            self.controlled.update(materials)
        else:
            self.controlled.difference_update(materials)

    def ban(self, destination: str, materials: Collection[str], active: bool) -> None:
        """Exports of these materials to the destination are banned from now (``active``), or no longer."""
        pairs = {(destination, m) for m in materials}
        if active:
            self.bans.update(pairs)
        else:
            self.bans.difference_update(pairs)

    def list_firms(self, listed: Collection[tuple[int, str]]) -> None:
        """Put (firm index, material) pairs on China's control list."""
        self.listed.update(listed)

    def open_kind(self, kind: str, open_: bool) -> None:
        """The authority accepts applications of a licence kind from now, or no longer."""
        if open_:
            self.open_kinds.add(kind)
        else:
            self.open_kinds.discard(kind)

    def set_tension(self, level: float) -> None:
        self.tension = level

    def set_green_channel(self, open_: bool) -> None:
        self.green_channel = open_

    def activate_veu(self) -> None:
        """The validated-end-user rule applies from now."""
        self.veu_active = True

    def refuses(self, firm: Firm, material: str) -> str:
        """Why China exports none of the material to the firm whatever its licence ("ban" on its destination,
        "listed" for the firm), or ""."""
        if (firm.group.destination, material) in self.bans:
            return "ban"
        return "listed" if (firm.index, material) in self.listed else ""

    def approval(self, firm: Firm, material: str, kind: str, green: bool) -> float:
        """The chance an application is granted, before tension: the latest treatment concerning it that sets one."""
        return self._latest("approval_probability", firm, material, kind, green)

    def review_scale(self, firm: Firm, material: str, kind: str, green: bool) -> float:
        """What an application's review time is multiplied by: the latest treatment concerning it that sets one."""
        return self._latest("review_scale", firm, material, kind, green)

    def held(self, firm: Firm, material: str, kind: str, green: bool) -> bool:
        """Whether the decision on an application is withheld now: the latest treatment concerning it that says."""
        return self._latest("hold", firm, material, kind, green)

    def granted_share(self, firm: Firm, material: str, kind: str, green: bool) -> Distribution:
        """The share of the quantity asked a granted single-use licence allows: the latest treatment that sets one."""
        return self._latest("granted_share", firm, material, kind, green)

    def add_treatment(self, treatment: Treatment) -> None:
        """Put a treatment in force; it prevails over older ones concerning the same applications."""
        self.treatments.append(treatment)
        self._settled.clear()

    def _latest(self, setting: str, firm: Firm, material: str, kind: str, green: bool) -> Any:
        key = (setting, firm.group_name, material, kind, green)  # a treatment concerns a firm by its group
        if key not in self._settled:
            self._settled[key] = self._search(setting, firm, material, kind, green)
        return self._settled[key]

    def _search(self, setting: str, firm: Firm, material: str, kind: str, green: bool) -> Any:
        for treatment in reversed(self.treatments):
            value = getattr(treatment, setting)
            if (value is not None and kind in treatment.licences
                    and (treatment.materials is None or material in treatment.materials)
                    and treatment.buyers.matches(firm.group_name, firm.group, green)):
                return value
        raise AssertionError(f"no treatment sets {setting} for {kind}: each kind's own always does")
