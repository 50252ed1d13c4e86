"""From the rides a solver chose to the itinerary the quote returns: legs, hubs, bill, CO2e."""

from __future__ import annotations

from datetime import datetime, timedelta

from graph import ServiceLeg
from graph.schedule import Slot, from_minutes
from solvers.emissions import Emissions
from solvers.itinerary import HubStop, Itinerary, ItineraryLeg, Price
from solvers.pricing import PriceLine, total_fen
from solvers.quoting.customs import Clearance, clearance_fees, unpriced
from solvers.quoting.drayage import ORIGIN
from solvers.quoting.model import QuoteModel
from solvers.quoting.rides import Ride


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
    if clearance.exits is not None:
        events.append("export")
    if clearance.enters is not None:
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
    clearances = [
        clearance
        for ride in rides
        for clearance in (ride.template.board_clearance, ride.template.alight_clearance)
        if clearance is not None
    ]
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
    ) + unpriced(clearances, catalogue.customs)
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
