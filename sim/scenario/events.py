"""Dated policy events: what changes on a date (controls, bans, licence kinds, the authority's treatment of
applications, revocations, backlogs, alternative supply, exporters' capacity and licences, listings, tension,
stockpiling), each a model of its own, told apart by its ``event`` key."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from sim.scenario.distributions import Distribution
from sim.scenario.sections import (
    LICENCE_KINDS,
    BuyerFilter,
    CoverDays,
    Days,
    LicenceKind,
    Name,
    Probability,
    Strict,
    Treatment,
    levels_ordered,
)


class _Event(Strict):
    date: dt.date = Field(description="Day the event takes effect.")


class ControlsEvent(_Event):
    """Export licensing imposed on (active: true) or lifted from materials."""

    event: Literal["controls"]
    materials: list[Name] = Field(min_length=1, description="Materials concerned.")
    active: StrictBool = Field(description="true: a licence is needed from this date; false: no longer needed.")


class BanEvent(_Event):
    """Outright ban of exports of materials to a destination (active: true), or its lifting."""

    event: Literal["ban"]
    destination: Name = Field(description="Destination concerned.")
    materials: list[Name] = Field(min_length=1, description="Materials concerned.")
    active: StrictBool = Field(description="true: banned from this date; false: ban lifted.")


class LicenceTypeEvent(_Event):
    """A licence kind opened to or closed for new applications."""

    event: Literal["licence_type"]
    licence: LicenceKind = Field(description="Licence kind concerned.")
    open: StrictBool = Field(description="Whether the authority accepts applications of this kind from this date.")


class AuthorityEvent(Treatment):
    """A change in how the authority reviews, from a date: a treatment of some applications (approval, review
    time), the number of reviewers, the green channel."""

    date: dt.date = Field(description="Day the event takes effect.")
    event: Literal["authority"]
    reviewers: StrictInt | None = Field(default=None, ge=1, le=100_000, description="New number of reviewers.")
    pool: Name | None = Field(default=None, description="The pool whose reviewers change; the main ones if absent.")
    green_channel: StrictBool | None = Field(default=None, description="Open or close the priority channel.")


class RevokeEvent(_Event):
    """Withdrawal of a share of the licences in force; shipments not yet exported under them are cancelled."""

    event: Literal["revoke"]
    licences: list[LicenceKind] = Field(default=list(LICENCE_KINDS), description="Licence kinds concerned.")
    share: Probability = Field(description="Share of matching licences revoked (rounded to the nearest licence).")
    buyers: BuyerFilter = Field(
        default_factory=BuyerFilter, description="Customers concerned: a licence naming any of them is revoked whole."
    )
    exporters: list[Name] | None = Field(
        default=None, description="Exporters whose licences are concerned; every one if absent."
    )


class BacklogEvent(_Event):
    """Applications from outside the panel join the queue on a date (a surge, or the backlog at the start): they
    take reviewers' time, nothing else."""

    event: Literal["backlog"]
    applications: StrictInt = Field(ge=1, le=1_000_000, description="Applications that join the queue.")
    pool: Name | None = Field(default=None, description="The pool whose queue they join; the main one if absent.")
    review_days: Distribution | None = Field(
        default=None, description="Review time of each, in the per-shipment kind's units; its review time if absent."
    )


class CancelEvent(_Event):
    """Announced events called off before they take effect (e.g. controls announced for a later date, then
    suspended)."""

    event: Literal["cancel"]
    events: list[Name] = Field(min_length=1, description="Names of the policy events called off; later-dated ones.")


class AlternativeEvent(_Event):
    """Output of alternative supply changes from a date (a mine, a separation plant, a magnet line), at once or
    ramping up."""

    event: Literal["alternative"]
    materials: list[Name] = Field(min_length=1, description="Materials concerned; each gets the capacity below.")
    capacity_kg_per_month: float = Field(ge=0, description="New output of each material, per 30 days.")
    ramp_days: float = Field(default=0, ge=0, le=3650, description="Days to reach it, in weekly steps; at once if 0.")


class ExtraterritorialEvent(_Event):
    """China's licence reaches alternative supply of materials (the October 2025 rule on goods with 0.1 % or
    more Chinese content), or no longer: orders need a licence, and a ban or a VEU listing refuses them."""

    event: Literal["extraterritorial"]
    materials: list[Name] = Field(min_length=1, description="Materials concerned.")
    active: StrictBool = Field(
        description="true: alternative supply needs a Chinese licence from this date; false: not.")


class CapacityEvent(_Event):
    """An exporter's capacity changes from a date (a line opened, output cut)."""

    event: Literal["capacity"]
    exporter: Name = Field(description="The exporter concerned.")
    capacity_kg_per_month: float = Field(gt=0, le=1e12, description="Its new capacity, kilograms a calendar month.")


class GrantEvent(_Event):
    """Multi-shipment licences granted on a date to exporters, each for some of its customers (the general licences
    of 2 December 2025: one year, for named customers): one licence per exporter, naming those customers together,
    not renewed (a later grant event renews it)."""

    event: Literal["grant"]
    exporters: list[Name] = Field(min_length=1, description="Exporters granted a licence each.")
    licence: Literal["six_month", "general"] = Field(default="general", description="Licence kind granted.")
    customers: BuyerFilter = Field(
        default_factory=BuyerFilter, description="Which of each exporter's customers (firms it sells to) it may name."
    )
    share: Probability = Field(
        default=1.0,
        description="Share of those customers the licence names, chosen at random (rounded to the nearest firm; "
        "e.g. 0.9 for 'nearly all its customers').",
    )
    validity_days: float | None = Field(
        default=None, gt=0, le=3650, description="Days the licence runs; the kind's validity_days if absent."
    )


class ListingEvent(_Event):
    """Firms put on China's export control list on a date (the entity listings of 2026): no exports of the
    materials to them from then on; a share or a count of the firms a filter matches, chosen at random."""

    event: Literal["listing"]
    buyers: BuyerFilter = Field(default_factory=BuyerFilter, description="Firms that may be listed.")
    share: Probability | None = Field(default=None, description="Share of them listed (rounded to the nearest firm).")
    count: StrictInt | None = Field(default=None, ge=1, le=100_000, description="Number of them listed (at most all).")
    materials: list[Name] | None = Field(
        default=None, description="Materials no longer exported to them; every one they buy if absent."
    )

    @model_validator(mode="after")
    def _share_or_count(self) -> ListingEvent:
        if (self.share is None) == (self.count is None):
            raise ValueError("give either share (of the matching firms) or count (of them), not both or neither")
        return self


class TensionEvent(_Event):
    """A political shock or thaw: the tension level from this date."""

    event: Literal["tension"]
    level: float = Field(ge=0, le=10, description="New tension level.")


class InventoryEvent(_Event):
    """Firms change their stock targets, e.g. stockpiling in response to controls (stocks under a
    ``reorder_point`` policy; adaptive ones set their own)."""

    event: Literal["inventory"]
    buyers: BuyerFilter = Field(default_factory=BuyerFilter, description="Firms concerned.")
    reorder_point_days: CoverDays = Field(description="New reorder point, in days of mean demand.")
    order_up_to_days: Days = Field(description="New order-up-to level, in days of mean demand.")

    _levels = model_validator(mode="after")(levels_ordered)


POLICY_EVENTS = (ControlsEvent, BanEvent, LicenceTypeEvent, AuthorityEvent, RevokeEvent, TensionEvent, InventoryEvent,
                 BacklogEvent, CancelEvent, AlternativeEvent, ExtraterritorialEvent, CapacityEvent, GrantEvent,
                 ListingEvent)
"""Every kind of dated policy event; each is told apart by its ``event`` tag."""
PolicyEvent = Annotated[Union[POLICY_EVENTS], Field(discriminator="event")]  # noqa: UP007 (a union of a tuple)
