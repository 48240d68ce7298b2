"""The sections of a scenario (calendar, materials, exporters, buyers and their inventory, licence kinds, the
authority, the VEU rule, supply, Monte Carlo, sweep, calibration) and the units they are stated in: every
parameter's type, unit, range, default and one-line doc. ``sim.scenario.schema.Scenario`` holds them, with the
dated events of ``sim.scenario.events``.

Units are in the names: ``_days`` are calendar days unless a field says otherwise, ``_kg`` kilograms.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated, Any, Literal

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)

from sim.scenario.distributions import Distribution

Probability = Annotated[float, Field(ge=0, le=1)]
A_GRAM_A_YEAR_KG_PER_DAY = 0.001 / 365
A_MINUTE_DAYS = 1 / 1440
FLOORS = {A_GRAM_A_YEAR_KG_PER_DAY: "a gram a year (2.74e-06 kg a day)", A_MINUTE_DAYS: "a minute (0.000694 days)"}
"""Physical floors, by value, in words: below them a value would make a replication take events without end
(orders of nothing, timers that do not move the clock), so the schema refuses it, naming the floor."""
KgPerDay = Annotated[float, Field(ge=A_GRAM_A_YEAR_KG_PER_DAY, le=1e9)]
"""A firm's consumption: at least a gram a year, at most a million tonnes a day."""
Days = Annotated[float, Field(ge=A_MINUTE_DAYS, le=1e6)]
"""A span of days at least a minute long (and under three thousand years)."""
CoverDays = Annotated[float, Field(ge=0, le=1e6)]
"""Stock, or cover, in days of mean demand: none to a million days (beyond, sums of stock lose orders in rounding)."""
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]


FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2300, 1, 1)
"""The simulated period lies between them: the working-day calendar's holidays and the plots' dates are known for
those years (from year 9998 the calendar overflowed, and year 1 broke the plots after the run)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


class Calendar(Strict):
    """When the simulated period starts and how long it runs."""

    start: dt.date = Field(description="First simulated day.")
    horizon_days: StrictInt = Field(gt=0, le=36_500, description="Length of the simulated period, warm-up included.")
    warmup_days: StrictInt = Field(
        default=0, ge=0, description="Days at the start excluded from every metric, so that stocks settle."
    )

    @model_validator(mode="after")
    def _warmup_inside(self) -> Calendar:
        if self.warmup_days >= self.horizon_days:
            raise ValueError("warmup_days must be shorter than horizon_days")
        if self.start < FIRST_DAY or (LAST_DAY - self.start).days < self.horizon_days:
            raise ValueError(f"the simulated period, {self.horizon_days} days from {self.start}, must lie between "
                             f"{FIRST_DAY} and {LAST_DAY}, the years the working-day calendar and the plots' dates can "
                             "follow")
        return self

    @property
    def end(self) -> dt.date:
        """The day after the last simulated day."""
        return self.start + dt.timedelta(days=self.horizon_days)

    def day(self, date: dt.date) -> float:
        """Simulation time (days since start) of a calendar date."""
        return float((date - self.start).days)


class AlternativeSupply(Strict):
    """Supply from outside China that buyers turn to when a Chinese order is refused, or waits too long."""

    capacity_kg_per_month: float = Field(
        default=0, ge=0, description="Output available to all buyers together, per 30 days."
    )
    available_from: dt.date | None = Field(default=None, description="First day of output; from the start if absent.")
    lead_time_days: Distribution = Field(
        default=90, description="Days from the end of an order's production to its delivery."
    )
    queue_limit_days: float = Field(
        default=90, gt=0,
        description="Orders are served first come, first served; one is refused when the output queued ahead of it "
        "would take longer than this to make (the firm asks again later).",
    )
    licence_days: Distribution = Field(
        default=45,
        description="Days a Chinese licence adds to each order while an extraterritorial rule reaches this supply.",
    )


class Material(Strict):
    """A controlled material and where else it can come from."""

    china_share: float = Field(
        default=1.0, gt=0, le=1, description="Share of buyers' demand for this material that is sourced from China."
    )
    controlled: StrictBool = Field(default=True, description="Whether exports need a licence at the start of the run.")
    alternative: AlternativeSupply = Field(default_factory=AlternativeSupply, description="Non-China supply.")
    price_usd_per_kg: float | None = Field(
        default=None, gt=0,
        description="Price per kilogram (USD), to weigh materials by value in shortfall fractions that span several; "
        "give it for every material or for none (then kilograms are added as they are).",
    )


class Exporter(Strict):
    """A Chinese maker of one material: it applies for its customers' licences, holds them, and makes and ships
    their orders at a capacity, first come, first served."""

    material: Name = Field(description="The material it makes and exports.")
    capacity_kg_per_month: float = Field(
        gt=0, le=1e12, description="Kilograms it can make and ship for the panel's buyers in a calendar month."
    )


def levels_ordered(targets: Any) -> Any:
    """Model validator shared by stock targets: order-up-to above the reorder point."""
    if targets.order_up_to_days <= targets.reorder_point_days:
        raise ValueError("order_up_to_days must exceed reorder_point_days")
    return targets


class ReorderPoint(Strict):
    """Continuous-review (s, S) policy in days of mean demand: order up to S when the position falls to s."""

    policy: Literal["reorder_point"] = "reorder_point"
    initial_days: CoverDays = Field(description="Stock on hand at the start, in days of mean demand.")
    reorder_point_days: CoverDays = Field(
        description="Inventory position (stock plus on order) that triggers an order."
    )
    order_up_to_days: Days = Field(description="Inventory position an order restores.")

    _levels = model_validator(mode="after")(levels_ordered)


class FixedInterval(Strict):
    """Orders of a fixed size at (possibly random) intervals, whatever the stock: standing contracts."""

    policy: Literal["fixed_interval"]
    initial_days: CoverDays = Field(description="Stock on hand at the start, in days of mean demand.")
    interval_days: Distribution = Field(description="Days between successive orders, at least a minute on average.")
    order_days: Days = Field(description="Size of each order, in days of mean demand.")

    @field_validator("interval_days")
    @classmethod
    def _interval_moves_the_clock(cls, interval: Any) -> Any:
        if interval.expected_value() < A_MINUTE_DAYS:
            raise ValueError(f"{interval.expected_value():g} days on average is below {FLOORS[A_MINUTE_DAYS]}: a "
                             "replication would make events without end (orders at one instant); give at least that")
        return interval


class Adaptive(Strict):
    """Continuous review whose reorder point follows experience: cover for the lead time the firm has seen (an
    exponentially smoothed estimate of its needs' delays, from first request to delivery) plus a safety margin."""

    policy: Literal["adaptive"]
    initial_days: CoverDays = Field(description="Stock on hand at the start, in days of mean demand.")
    lead_time_days: Days = Field(
        description="The firm's estimate of its lead time at the start: what it has lived through before the run."
    )
    smoothing: float = Field(
        gt=0, le=1, description="Weight of each delivered need's delay in the new estimate (exponential smoothing)."
    )
    safety_days: CoverDays = Field(
        default=0, description="Cover beyond the estimated lead time at the reorder point, days of mean demand."
    )
    order_days: Days = Field(
        description="An order restores the position to the reorder point plus this many days of mean demand."
    )


def _inventory_policy(value: object) -> str:
    if isinstance(value, dict):
        return value.get("policy", "reorder_point")
    return getattr(value, "policy", "reorder_point")


Inventory = Annotated[
    Annotated[ReorderPoint, Tag("reorder_point")]
    | Annotated[FixedInterval, Tag("fixed_interval")]
    | Annotated[Adaptive, Tag("adaptive")],
    Discriminator(_inventory_policy),
]
"""An inventory policy, chosen by its ``policy`` key (``reorder_point`` if absent)."""


class Demand(Strict):
    """One firm's consumption of one material."""

    mean_kg_per_day: KgPerDay = Field(description="Mean consumption rate of one firm.")
    cv: float = Field(
        default=0.0, ge=0, le=5, description="Coefficient of variation of the monthly rate (gamma-distributed)."
    )
    inventory: Inventory | None = Field(
        default=None, description="How the firm stocks this material, if not as its group's inventory says."
    )
    exporters: dict[Name, Annotated[float, Field(gt=0, le=1)]] | None = Field(
        default=None,
        description="Exporters the group's firms buy this material from, with the share of the firms each serves "
        "(summing to 1); absent: the material's exporters in proportion to their capacity (none: as much as asked).",
    )


class LicenceType(Strict):
    """How one kind of licence is reviewed, granted and used."""

    open: StrictBool = Field(default=True, description="Whether the authority accepts applications at the start.")
    review_days: Distribution = Field(default=20, description="Time a reviewer spends on one application.")
    review_in_working_days: StrictBool = Field(
        default=False,
        description="Review time counts working days (the authority's calendar: weekdays, less public holidays, plus "
        "weekend days declared working days) rather than calendar days.",
    )
    approval_probability: Probability = Field(default=0.9, description="Chance an application is granted.")
    granted_share: Distribution = Field(
        default=1,
        description="Share of the quantity asked that a granted single-use licence allows, drawn per licence (above 1 "
        "counts as 1); the rest is refused or applied for again, as remainder says. Multi-shipment kinds name no "
        "quantity: ignored there.",
    )
    remainder: Literal["refused", "reapply"] = Field(
        default="refused",
        description="What becomes of the quantity a partial grant leaves: refused (the firm asks alternative supply "
        "for it and orders it again after its retry_days, if still needed) or applied for again at once.",
    )
    validity_days: float = Field(default=180, gt=0, description="Days a granted licence can be used.")
    renewal_lead_days: float = Field(
        default=30, ge=0, description="Days before expiry a holder applies for renewal (multi-shipment kinds)."
    )
    track_record: StrictInt = Field(
        default=0, ge=0,
        description="Approved licences that build a track record (per-shipment ones) of the same material, within "
        "track_record_days, a firm needs before it may apply for this kind (the general kind).",
    )
    track_record_days: float = Field(
        default=365, gt=0, description="How far back approvals count towards the track record, in days.",
    )
    vetting_days: Distribution = Field(
        default=0, description="Vetting of each shipment, for kinds whose shipments are vetted (the general kind)."
    )
    vetting_pass_probability: Probability = Field(default=1.0, description="Chance a shipment passes vetting.")
    cooldown_days: float = Field(
        default=90, ge=0, description="Days after a refusal before the firm applies for this kind again."
    )
    excluded_materials: list[Name] = Field(
        default_factory=list, description="Materials this kind never covers (e.g. samarium under six-month licences)."
    )


# A field of LicenceTypes is a licence kind: its rules are in sim.model.licences.KINDS, and adding a
# field and its rules is all a new kind needs.
class LicenceTypes(Strict):
    """The licence kinds of the regime, each with its parameters."""

    per_shipment: LicenceType = Field(
        default_factory=lambda: LicenceType(validity_days=90), description="One licence per shipment."
    )
    six_month: LicenceType = Field(
        default_factory=lambda: LicenceType(open=False, validity_days=180),
        description="Many shipments for 180 days; trusted, non-military buyers only.",
    )
    general: LicenceType = Field(
        default_factory=lambda: LicenceType(open=False, validity_days=1095, track_record=3),
        description="Many shipments for up to three years; buyers with a track record; each shipment vetted.",
    )

    def __getitem__(self, kind: str) -> LicenceType:
        return getattr(self, kind)


LICENCE_KINDS: tuple[str, ...] = tuple(LicenceTypes.model_fields)
"""Every licence kind, in the order of ``LicenceTypes``."""
LicenceKind = Literal[LICENCE_KINDS]  # type: ignore[valid-type]


class BuyerGroup(Strict):
    """Firms that share a sector, destination, end use and buying behaviour."""

    count: StrictInt = Field(ge=1, le=100_000, description="Number of firms in the group.")
    sector: Name = Field(description="Industry, e.g. automotive, electronics, defence, energy.")
    destination: Name = Field(description="Country or bloc the goods are exported to, e.g. US, EU, JP.")
    military: StrictBool = Field(default=False, description="Military end use or defence affiliation.")
    veu_flag_probability: Probability | None = Field(
        default=None,
        description="Chance that the VEU list flags a firm of this group; "
        "absent: 1 for military groups, the VEU false-positive rate otherwise.",
    )
    trusted: StrictBool = Field(default=False, description="Counted as a trusted buyer (may hold six-month licences).")
    green_channel: StrictBool = Field(
        default=False, description="Applications go through the priority channel when open.")
    licences: list[LicenceKind] = Field(
        default_factory=lambda: list(reversed(LICENCE_KINDS)),
        min_length=1,
        description="Licence kinds the firm applies for, in order of preference, when eligible and open (default: "
        "every kind, the last of licence_types first: general, six_month, per_shipment).",
    )
    demand: dict[Name, Demand] = Field(min_length=1, description="Consumption per material.")
    inventory: Inventory = Field(description="How the firm decides when and how much to order.")
    retry_days: Days = Field(
        default=14, description="Days a firm waits after a refused or cancelled order before ordering again."
    )
    patience_days: float | None = Field(
        default=None, gt=0,
        description="Days an order may wait for a Chinese licence before the firm orders its quantity from "
        "alternative supply as well; never if absent.",
    )

    @model_validator(mode="after")
    def _military_always_flagged(self) -> BuyerGroup:
        if self.military and self.veu_flag_probability not in (None, 1.0):
            raise ValueError("military groups are always flagged by the VEU rule: omit veu_flag_probability")
        return self


class Tension(Strict):
    """How political tension (0 = calm) bends the authority's decisions."""

    initial: float = Field(default=0, ge=0, le=10, description="Tension level at the start.")
    approval_sensitivity: float = Field(
        default=0.0, ge=0, le=1, description="Approval probability is multiplied by (1 - this * tension), floored at 0."
    )
    review_sensitivity: float = Field(
        default=0.0, ge=0, le=10, description="Review time is multiplied by (1 + this * tension)."
    )


class BuyerFilter(Strict):
    """Which firms an event concerns; every given criterion must match, none given matches all."""

    groups: list[Name] | None = Field(default=None, description="Buyer groups.")
    sectors: list[Name] | None = Field(default=None, description="Sectors.")
    destinations: list[Name] | None = Field(default=None, description="Destinations.")
    military: StrictBool | None = Field(default=None, description="Military end use or not.")
    green_channel: StrictBool | None = Field(
        default=None, description="Applications in the green channel (open, and the firm admitted to it) or not."
    )

    def matches(self, group_name: str, group: BuyerGroup, green: bool | None = None) -> bool:
        """Whether a buyer group falls under the filter (and an application, in the channel ``green`` or not)."""
        return (
            (self.groups is None or group_name in self.groups)
            and (self.sectors is None or group.sector in self.sectors)
            and (self.destinations is None or group.destination in self.destinations)
            and (self.military is None or group.military == self.military)
            and (self.green_channel is None or green is None or green == self.green_channel)
        )


class Treatment(Strict):
    """How the authority treats some applications: those of some buyers, for some materials and licence kinds. Of
    the treatments that match an application, the last one listed (or dated) that sets a value gives it."""

    buyers: BuyerFilter = Field(default_factory=BuyerFilter, description="Applicants concerned.")
    materials: list[Name] | None = Field(default=None, description="Materials concerned; every one if absent.")
    licences: list[LicenceKind] = Field(
        default_factory=lambda: list(LICENCE_KINDS), description="Licence kinds concerned."
    )
    approval_probability: Probability | None = Field(
        default=None, description="Chance such an application is granted (before tension), instead of the kind's."
    )
    review_scale: float | None = Field(
        default=None, gt=0, description="Such applications' review times are multiplied by this (1 = as configured)."
    )
    granted_share: Distribution | None = Field(
        default=None,
        description="Share of the quantity asked that such a single-use licence, granted, allows, instead of the "
        "kind's granted_share.",
    )
    hold: StrictBool | None = Field(
        default=None,
        description="true: such applications are not taken up for review (they wait apart, reviewers serving the "
        "others, until a later treatment lifts the hold; reviews already begun go on); false: reviewed as they come "
        "(lifts a hold: the held files rejoin their queue, in the order they were held).",
    )


TREATMENT_SETTINGS = tuple(name for name in Treatment.model_fields if name not in ("buyers", "materials", "licences"))
"""What a treatment can set for the applications it concerns."""


class Pool(Strict):
    """Reviewers set aside for some materials or licence kinds, with a queue of their own."""

    reviewers: StrictInt = Field(ge=1, le=100_000, description="Applications this pool reviews in parallel.")
    materials: list[Name] | None = Field(default=None, description="Materials it reviews; every one if absent.")
    licences: list[LicenceKind] = Field(
        default_factory=lambda: list(LICENCE_KINDS), description="Licence kinds it reviews."
    )


class Authority(Strict):
    """The licensing authority's review capacity and queue."""

    reviewers: StrictInt = Field(default=10, ge=1, le=100_000, description="Applications reviewed in parallel.")
    calendar: str | None = Field(
        default="CN",
        description="Country whose public holidays, and weekend days declared working days, the working-day clock "
        "of reviews follows (ISO code, from the holidays package); null: Monday to Friday only.",
    )
    green_channel: StrictBool = Field(
        default=False, description="Whether the priority channel is open at the start (non-preemptive priority)."
    )
    queue: Literal["fifo", "random"] = Field(
        default="fifo",
        description="Which waiting application a free reviewer takes, within each channel (the green one first): "
        "the first filed (fifo), or any, each as likely (random: the authority's discretion, some files taken at "
        "once and others left for months). Mean waits are the same; their spread is not.",
    )
    tension: Tension = Field(default_factory=Tension, description="Political tension and its effects.")
    pools: dict[Name, Pool] = Field(
        default_factory=dict,
        description="Reviewers set aside for some materials or licence kinds, by name; an application goes to the "
        "first pool that reviews its material and kind, else to the main reviewers.",
    )
    treatments: dict[Name, Treatment] = Field(
        default_factory=dict,
        description="How the authority treats some applicants, materials or licence kinds, by name (e.g. a lower "
        "approval probability for military end users); dated authority events add to them.",
    )

    @field_validator("calendar")
    @classmethod
    def _known_country(cls, country: str | None) -> str | None:
        known = holidays.list_supported_countries()
        if country is not None and country not in known:
            close = difflib.get_close_matches(country, list(known), n=1)
            raise ValueError(f"no holiday calendar for {country!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                             + "; give an ISO country code such as CN, or null for Monday to Friday")
        return country


class VEU(Strict):
    """Validated-end-user rule: automatic refusal of military end uses and flagged buyers."""

    date: dt.date | None = Field(default=None, description="Day the rule takes effect; never if absent.")
    false_positive_rate: Probability = Field(
        default=0.0, description="Chance a civilian firm is wrongly flagged as military-affiliated."
    )
    listed_days: float | None = Field(
        default=None, gt=0,
        description="Days a firm refused under the rule stops asking China for that material before it tries again; "
        "absent: for as long as the material is controlled.",
    )


class Supply(Strict):
    """Exporter production and transport."""

    production_days: Distribution = Field(
        default=14,
        description="Days from authorisation to export (for a material with exporters, from the order's making on "
        "its exporter's line: the lead time besides the order book).",
    )
    transit_days: Distribution = Field(default=30, description="Days from export to delivery.")
    transit_days_by_destination: dict[Name, Distribution] = Field(
        default_factory=dict, description="Transit time for particular destinations, overriding transit_days."
    )


class MonteCarlo(Strict):
    """How many replications and from which seed."""

    replications: StrictInt = Field(default=100, ge=1, le=1_000_000, description="Independent replications.")
    seed: StrictInt = Field(default=2025, ge=0, lt=2**63, description="Root seed of every random stream.")

    def resolve(self, replications: int | None = None, seed: int | None = None) -> tuple[int, int]:
        """The replications and root seed of a run: those asked for (on the command line, say), else these."""
        return (self.replications if replications is None else replications, self.seed if seed is None else seed)


class SweepDefinition(Strict):
    """A sensitivity sweep kept with the scenario (``sim sweep FILE`` runs it; command-line flags override)."""

    method: Literal["grid", "oat", "morris", "sobol", "lhs", "lhs_optimised"] = Field(
        default="grid", description="Design of the sweep.")
    params: dict[str, str | list[float | int | dt.date]] = Field(
        min_length=1,
        description="Parameters by dotted path: 'LOW:HIGH' or 'LOW:HIGH:STEPS', or a list of values.",
    )
    samples: StrictInt = Field(default=8, ge=1, le=100_000,
                         description="Morris trajectories, Sobol base sample or Latin hypercube points.")
    replications: StrictInt = Field(default=20, ge=2, le=100_000, description="Replications per point.")
    emulator: Literal["gp"] | None = Field(
        default=None, description="Sobol on an emulator (a Gaussian process) trained on a Latin hypercube.")
    design_points: StrictInt | None = Field(
        default=None, ge=1, le=100_000, description="Points of the emulator's Latin hypercube (10 per parameter).")
    metric: str = Field(default="shortfall_fraction", description="Metric for indices, plots and tipping points.")
    threshold: float | None = Field(default=None, description="Report where the metric crosses this value.")


class FittedTo(Strict):
    """What the scenario's fitted parameters were set to reproduce (``sim calibrate`` writes it): the replay marks
    these figures fitted and scores every other comparable one apart, as held out."""

    figures: list[Annotated[str, Field(pattern=r"^[a-z][a-z_]*:\d{4}(-\d{2}){0,2}$")]] = Field(
        default_factory=list,
        description="Published figures the fitted parameters were set to reproduce, as QUANTITY:PERIOD of "
        "data/observed_2025.csv (e.g. magnet_exports_total:2025-05); every other comparable figure is held out.",
    )
    parameters: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")]] = Field(
        default_factory=list,
        description="Dotted paths of the parameters set by fitting (e.g. authority.pools.rare_earths.reviewers); "
        "every other value is sourced or judged. A record: a variant that extends the scenario may drop some.",
    )
