"""Itineraries as the quote returns them: dated legs, hub stops, the itemized bill, emissions.

The one typed result every solver shares: a quote builds it (:mod:`solvers.quoting.assemble`),
the codec stores it, re-routing, tracking, allocation and validation read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graph import Mode
from graph.model import departure_key
from solvers.emissions import Emissions
from solvers.pricing import PriceLine, total_fen


@dataclass(frozen=True, slots=True)
class ItineraryLeg:
    """One leg as travelled: a dated departure of a service leg."""

    leg_id: str
    ride: int
    service: str
    service_name: str | None
    mode: Mode
    operator: str
    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    cutoff: datetime
    distance_km: float
    geometry: tuple[tuple[float, float], ...]
    wtt_kg: float
    ttw_kg: float
    emission_class: str | None = None  # the factor the CO2e comes from (None: stored before)

    @property
    def transit_hours(self) -> float:
        """Hours from departure to arrival."""
        return (self.arrival - self.departure).total_seconds() / 3600

    @property
    def departure_key(self) -> str:
        """The capacity key of the departure taken."""
        return departure_key(self.leg_id, self.departure)


@dataclass(frozen=True, slots=True)
class HubStop:
    """A location where the box is handled: where it arrives, clears customs and is loaded."""

    location: str
    arrival: datetime | None
    ready: datetime | None
    handling_hours: float
    customs: tuple[str, ...]
    customs_hours: float
    co2e_kg: float


@dataclass(frozen=True, slots=True)
class Price:
    """The through price (一口价): catalogue lines, totals and what is not included."""

    lines: tuple[PriceLine, ...]
    total_cny: float
    total_usd: float
    usd_rate: float
    rates_date: str
    valid_until: datetime
    excluded: tuple[str, ...]  # the catalogue's gaps that apply to this itinerary

    @property
    def estimated_cny(self) -> float:
        """The part of the total resting on estimated items (the rest is published figures)."""
        return total_fen(line for line in self.lines if line.estimate) / 100


@dataclass(frozen=True, slots=True)
class Itinerary:
    """One way to go, door to door as quoted."""

    legs: tuple[ItineraryLeg, ...]
    hubs: tuple[HubStop, ...]
    departure: datetime
    arrival: datetime
    price: Price
    emissions: Emissions
    rides: int

    @property
    def transfers(self) -> int:
        """Changes of service (a truck leg counts as a service)."""
        return max(self.rides - 1, 0)

    @property
    def vehicle_arrival(self) -> datetime:
        """When the last vehicle reaches the destination terminal.

        ``arrival`` is when the box is available there, after discharge, handling and import
        clearance.
        """
        return self.legs[-1].arrival

    @property
    def transit_hours(self) -> float:
        """Hours from the first departure to availability at the destination."""
        return (self.arrival - self.departure).total_seconds() / 3600

    @property
    def corridor(self) -> tuple[tuple[str, str, str], ...]:
        """(boarding, alighting, mode) per service taken: what makes two options the same corridor.

        A transshipment port counts.
        """
        return tuple((board, alight, mode) for board, alight, mode, _ in self.ride_summaries())

    def ride_summaries(self) -> list[tuple[str, str, str, float]]:
        """Per service taken: boarding, alighting, mode of the last leg, hours aboard.

        A sea passage on one bill of lading gives one entry per ship.
        """
        summaries: list[tuple[str, str, str, float]] = []
        start = 0
        for index, leg in enumerate(self.legs):
            following = self.legs[index + 1] if index + 1 < len(self.legs) else None
            if following is None or (following.ride, following.service) != (
                leg.ride,
                leg.service,
            ):
                first = self.legs[start]
                hours = (leg.arrival - first.departure).total_seconds() / 3600
                summaries.append((first.origin, leg.destination, leg.mode.value, hours))
                start = index + 1
        return summaries

    def __str__(self) -> str:
        parts = [self.legs[0].origin]
        for _, alight, mode, hours in self.ride_summaries():
            parts += [f"{mode.upper()} {hours:.0f}h", alight]
        return (
            " ~ ".join(parts)
            + f" | {len(self.legs)} legs {self.transit_hours:.0f}h {self.price.total_cny:,.0f} CNY "
            + f"{self.emissions.total_kg / 1000:.2f} tCO2e"
        )
