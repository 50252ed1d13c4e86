"""Itineraries as the quote returns them: dated legs, hub stops, the itemized bill, emissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from graph import Mode, ServiceLeg
from graph.model import departure_key
from graph.schedule import Slot, from_minutes
from solvers.emissions import Emissions
from solvers.model import ORIGIN, Clearance, QuoteModel, Ride, clearance_fees
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


def build_itinerary(
    model: QuoteModel, rides: tuple[Ride, ...], finish_time: int, validity: timedelta
) -> Itinerary:
    """Dated legs, hub stops, bill and emissions of the rides a solver chose.

    ``validity`` is how long the price holds from the ready date, unless a catalogue item used
    expires sooner.
    """
    network = model.network
    emitter = model.emitter
    legs: list[ItineraryLeg] = []
    hubs: list[HubStop] = []
    lines: list[PriceLine] = []
    wtt = ttw = hubs_kg = tonne_km = teu_km = 0.0
    previous: Ride | None = None
    for number, ride in enumerate(rides):
        pricer = model.pricer_of(ride)  # the catalogue valid on the ride's departure day
        board = network.find_location(ride.board)
        if board is not None:
            before = previous.template.clearance_after if previous else 0
            handling = (
                model.handling(ride.board, previous.mode, ride.legs[0].mode, previous.available)
                if previous
                else 0
            )
            customs = before + ride.template.clearance_before
            start = previous.arrival if previous else model.ready
            hub_kg = emitter.hub_kg(board)
            hubs_kg += hub_kg
            hubs.append(
                HubStop(
                    location=ride.board,
                    arrival=from_minutes(previous.arrival) if previous else None,
                    ready=from_minutes(start + customs + handling),
                    handling_hours=round(handling / 60, 3),
                    customs=_customs(previous.template.alight_clearance if previous else None)
                    + _customs(ride.template.board_clearance),
                    customs_hours=round(customs / 60, 3),
                    co2e_kg=hub_kg,
                )
            )
            lines += pricer.handling(board, ride.legs[0].mode)
            if previous is not None and previous.template.alight_clearance is not None:
                lines += clearance_fees(
                    model.pricer_of(previous), previous.template.alight_clearance
                )
            if ride.template.board_clearance is not None:
                lines += clearance_fees(pricer, ride.template.board_clearance)
        lines += pricer.ride(ride.legs, ride.board, ride.alight)
        if ride.template.joined:  # a sea passage: the box is lifted off and on at the port
            hubs_kg += emitter.hub_kg(network.locations[ride.legs[ride.template.joined].origin])
        alight = network.find_location(ride.alight)
        if alight is not None:
            lines += pricer.handling(alight, ride.legs[-1].mode)
        for leg, slot in zip(ride.legs, ride.slots, strict=True):
            emitted = emitter.leg(leg)
            wtt += emitted.wtt_kg
            ttw += emitted.ttw_kg
            tonne_km += emitter.tonnes * leg.distance_km
            teu_km += emitter.teu * leg.distance_km
            legs.append(_leg(leg, number, slot, emitted.wtt_kg, emitted.ttw_kg))
        previous = ride
    assert previous is not None
    destination = network.find_location(previous.alight)
    if destination is not None and previous.alight != ORIGIN:
        hub_kg = emitter.hub_kg(destination)
        hubs_kg += hub_kg
        if previous.template.alight_clearance is not None:
            lines += clearance_fees(model.pricer_of(previous), previous.template.alight_clearance)
        hubs.append(
            HubStop(
                location=destination.id,
                arrival=from_minutes(previous.arrival),
                ready=from_minutes(finish_time),
                handling_hours=round((finish_time - previous.available) / 60, 3),
                customs=_customs(previous.template.alight_clearance),
                customs_hours=round(previous.template.clearance_after / 60, 3),
                co2e_kg=hub_kg,
            )
        )
    price = _price(model, tuple(lines), validity, rides, legs)
    return Itinerary(
        legs=tuple(legs),
        hubs=tuple(hubs),
        departure=from_minutes(rides[0].departure),
        arrival=from_minutes(finish_time),
        price=price,
        emissions=Emissions(wtt, ttw, hubs_kg, tonne_km, teu_km),
        rides=len(rides),
    )


def _leg(leg: ServiceLeg, ride: int, slot: Slot, wtt: float, ttw: float) -> ItineraryLeg:
    return ItineraryLeg(
        leg_id=leg.id,
        ride=ride,
        service=leg.service,
        service_name=leg.service_name,
        mode=leg.mode,
        operator=leg.operator,
        origin=leg.origin,
        destination=leg.destination,
        departure=from_minutes(slot.departure),
        arrival=from_minutes(slot.arrival),
        cutoff=from_minutes(slot.cutoff),
        distance_km=leg.distance_km,
        geometry=leg.geometry,
        wtt_kg=wtt,
        ttw_kg=ttw,
        emission_class=leg.emission_class,
    )


def _customs(clearance: Clearance | None) -> tuple[str, ...]:
    if clearance is None:
        return ()
    events = []
    if clearance.exit:
        events.append("export")
    if clearance.entry:
        events.append("import")
    return tuple(events)


def _price(
    model: QuoteModel,
    lines: tuple[PriceLine, ...],
    validity: timedelta,
    rides: tuple[Ride, ...],
    legs: list[ItineraryLeg],
) -> Price:
    catalogue = model.network.tariffs
    network = model.network
    places = [network.find_location(leg.origin) for leg in legs] + [
        network.find_location(legs[-1].destination)
    ]
    ends = [network.find_location(place) for ride in rides for place in (ride.board, ride.alight)]
    excluded = tuple(
        gap.text
        for gap in catalogue.gaps
        if gap.applies(
            modes=frozenset(leg.mode for leg in legs),
            calls=[(place.id, place.kind) for place in places if place is not None],
            handled_in=frozenset(place.country for place in ends if place is not None),
            cargo_class=model.cargo.cargo_class,
            codes=frozenset(line.code for line in lines),
        )
    )
    fen = total_fen(lines)
    usd = catalogue.rates.cny_per_unit.get("USD")
    valid = model.request.ready + validity
    for line in lines:
        item = catalogue.items.get(line.code)
        if item is not None and item.valid_to is not None:
            valid = min(valid, datetime.combine(item.valid_to, datetime.max.time(), valid.tzinfo))
    return Price(
        lines=lines,
        total_cny=fen / 100,
        total_usd=round(fen / 100 / usd, 2) if usd else 0.0,
        usd_rate=usd or 0.0,
        rates_date=catalogue.rates.date.isoformat(),
        valid_until=valid,
        excluded=excluded,
    )
