"""Solver-independent checks of an itinerary against the network and the request.

Every solver's output passes through here in tests: the
timetable says the departures exist, the cut-offs are met with the handling and clearance the
locations publish, the cargo may travel on each leg, the bill adds up from catalogue items, and
the emissions add up from the factors. It recomputes from the network, not from solver state.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta
from itertools import pairwise

from graph import Location, LocationKind, Mode, Network
from graph.schedule import hours_to_minutes
from solvers.emissions import Emitter
from solvers.itinerary import Itinerary, ItineraryLeg
from solvers.types import HubRule, QuoteRequest

TOLERANCE_CNY = 0.011
TOLERANCE_KG = 0.01


def violations(network: Network, request: QuoteRequest, itinerary: Itinerary) -> list[str]:
    """Everything wrong with ``itinerary``; empty when it is feasible and consistent."""
    found: list[str] = []
    found += _ends(network, request, itinerary)
    found += _timetable(network, itinerary)
    found += _hubs(network, request, itinerary)
    found += _borders(network, itinerary)
    found += _cities(network, itinerary)
    found += _cargo_and_filters(network, request, itinerary)
    found += _bill(network, request, itinerary)
    found += _emissions(network, request, itinerary)
    if request.deadline is not None and itinerary.arrival > request.deadline:
        found.append(f"arrives {itinerary.arrival} after the deadline {request.deadline}")
    if (
        request.max_price_cny is not None
        and itinerary.price.total_cny > request.max_price_cny + 1e-9
    ):
        found.append(f"price {itinerary.price.total_cny} over the budget {request.max_price_cny}")
    if (
        request.max_co2e_kg is not None
        and itinerary.emissions.total_kg > request.max_co2e_kg + 1e-3
    ):
        found.append(f"{itinerary.emissions.total_kg} kg CO2e over the cap {request.max_co2e_kg}")
    return found


def still_valid(network: Network, itinerary: Itinerary, from_seq: int = 1) -> list[str]:
    """What no longer holds, on ``network``, of an itinerary quoted on another version of it.

    Empty when it can be booked as quoted: every leg from ``from_seq`` (1-based) on still runs
    at the quoted times (the departure is in the timetable, with the same transit and cut-off,
    and no closure stops it) and every price line is still the catalogue's item at the same
    unit price. A disruption or a reload that touches none of its legs and prices leaves a
    quote good.
    """
    ahead = dataclasses.replace(itinerary, legs=itinerary.legs[from_seq - 1 :])
    found = _timetable(network, ahead)
    for leg in ahead.legs:
        real = network.legs.get(leg.leg_id)
        if real is None:
            if network.find_location(leg.origin) and network.find_location(leg.destination):
                found.append(f"{leg.leg_id} is no longer in the network")
            continue  # a first- or last-mile truck to a point
        if not network.is_operating(real):
            found.append(f"{leg.leg_id} no longer runs")
        elif network.closed(real, leg.departure, leg.arrival):
            found.append(f"{leg.leg_id} is closed at {leg.departure.isoformat()}")
    for line in itinerary.price.lines:
        item = network.tariffs.items.get(line.code)
        if item is None or (item.amount, item.currency) != (line.unit_price, line.currency):
            found.append(f"{line.code} is no longer {line.unit_price:g} {line.currency}")
    return found + _congestion(network, itinerary, from_seq)


def _congestion(network: Network, itinerary: Itinerary, from_seq: int) -> list[str]:
    """Hubs ahead where congestion now keeps the box longer than the quote allowed for.

    A hub's quoted handling is the place's own time plus the congestion dwell then; the dwell
    now is read at the latest instant the quote could have read it (after customs, or the
    final hub's exact one), and a window only shortens later, so the same congestion never
    makes a quote stale.
    """
    found = []
    legs = itinerary.legs
    for hub in itinerary.hubs:
        location = network.find_location(hub.location)
        if hub.arrival is None or hub.ready is None or location is None:
            continue
        arrived = next(
            (i for i, leg in enumerate(legs) if leg.destination == hub.location
             and leg.arrival == hub.arrival),
            None,
        )  # fmt: skip
        if arrived is None or arrived + 2 < from_seq:
            continue  # behind the cargo
        leaving = legs[arrived + 1].mode if arrived + 1 < len(legs) else None
        handling = location.handling_hours_between(legs[arrived].mode, leaving)
        if leaving is None:
            at = hub.ready - timedelta(hours=hub.handling_hours)
        else:
            at = hub.arrival + timedelta(hours=hub.customs_hours)
        added = network.added_dwell_hours(hub.location, at)
        allowed = hub.handling_hours - handling
        if added > allowed + 1 / 60:
            found.append(
                f"congestion at {hub.location} keeps the box {added - allowed:.1f} h longer "
                "than quoted"
            )
    return found


def _ends(network: Network, request: QuoteRequest, itinerary: Itinerary) -> list[str]:
    """The itinerary starts where the request starts and ends where it ends.

    At the location named, at a terminal of the city named (a point's trucks are virtual ends).
    """
    found = []
    for which, endpoint, place in (
        ("starts", request.origin, itinerary.legs[0].origin),
        ("ends", request.destination, itinerary.legs[-1].destination),
    ):
        if endpoint.location is not None and place != endpoint.location:
            found.append(f"{which} at {place}, not at {endpoint.location}")
        if endpoint.city is not None and network.city_of(place) != endpoint.city:
            found.append(f"{which} at {place}, not in city {endpoint.city}")
    return found


def _cities(network: Network, itinerary: Itinerary) -> list[str]:
    """No ride alights in a city the box has left, nor leaves its city only to come back.

    Calls passed aboard do not count; moving between terminals of one city does not leave it.
    """
    found = []
    legs = itinerary.legs
    been = [network.city_of(legs[0].origin)]
    for ride in sorted({leg.ride for leg in legs}):
        stops = [network.city_of(leg.destination) for leg in legs if leg.ride == ride]
        here, there = been[-1], stops[-1]
        if there != here and there in been:
            found.append(f"ride {ride + 1} comes back to {there}, which the box has left")
        if there == here and any(stop != here for stop in stops):
            found.append(f"ride {ride + 1} leaves {here} only to come back to it")
        been.append(there)
    return found


def _timetable(network: Network, itinerary: Itinerary) -> list[str]:
    found = []
    legs = itinerary.legs
    for leg in legs:
        if leg.arrival <= leg.departure:
            found.append(f"{leg.leg_id} arrives before it leaves")
        real = network.legs.get(leg.leg_id)
        if real is None:
            continue  # a first- or last-mile truck
        scheduled = network.departures(
            leg.leg_id, leg.departure, leg.departure + timedelta(minutes=1)
        )
        if real.timetable.continuous:
            pass
        elif not scheduled:
            found.append(f"{leg.leg_id} has no departure at {leg.departure.isoformat()}")
        expected = leg.departure + timedelta(minutes=hours_to_minutes(real.transit_hours))
        if leg.arrival != expected:
            found.append(f"{leg.leg_id} arrives {leg.arrival}, the timetable says {expected}")
        if not real.timetable.continuous and leg.cutoff != leg.departure - timedelta(
            minutes=hours_to_minutes(real.cutoff_hours)
        ):
            found.append(f"{leg.leg_id} cut-off {leg.cutoff} does not match the leg")
    for before, after in pairwise(legs):
        if before.destination != after.origin:
            found.append(
                f"{before.leg_id} ends at {before.destination}, "
                f"{after.leg_id} starts at {after.origin}"
            )
        if before.ride == after.ride:
            real_before, real_after = (
                network.legs.get(before.leg_id),
                network.legs.get(after.leg_id),
            )
            if real_before is None or real_after is None:
                found.append(f"{after.leg_id} is not the next leg of {before.leg_id}'s service")
            elif network.next_leg(real_before) != real_after and not network.drives_on(
                real_before, real_after
            ):
                found += _transshipment(network, legs, before, after)
            if after.departure < before.arrival:
                found.append(f"{after.leg_id} leaves before {before.leg_id} arrives")
    return found


def _transshipment(
    network: Network, legs: tuple[ItineraryLeg, ...], before: ItineraryLeg, after: ItineraryLeg
) -> list[str]:
    """A change of ship inside a ride: one sea passage, transshipped once at a seaport.

    The second ship's cut-off leaves the port's sea-to-sea handling time after the first
    arrives.
    """
    port = network.find_location(before.destination)
    if (
        before.mode is not Mode.SEA
        or after.mode is not Mode.SEA
        or port is None
        or port.kind is not LocationKind.SEAPORT
    ):
        return [f"{after.leg_id} is not the next leg of {before.leg_id}'s service"]
    found = []
    services = {leg.service for leg in legs if leg.ride == before.ride}
    if len(services) > 2:
        found.append(f"ride {before.ride + 1} transships more than once")
    handling = timedelta(minutes=hours_to_minutes(port.handling_hours_between(Mode.SEA, Mode.SEA)))
    if after.cutoff < before.arrival + handling - timedelta(seconds=60):
        found.append(
            f"{after.leg_id} cut-off {after.cutoff} before the box is transshipped at {port.id}"
        )
    return found


def _hubs(network: Network, request: QuoteRequest, itinerary: Itinerary) -> list[str]:
    """Cut-offs met: the box is ready (handling + clearance as published) before each cut-off."""
    found = []
    first_legs = _first_legs(itinerary.legs)
    last_legs = _last_legs(itinerary.legs)
    stops = iter(itinerary.hubs)  # one per boarding at a network location, in order
    for ride, leg in enumerate(first_legs):
        arrived = last_legs[ride - 1].arrival if ride > 0 else None
        location = network.find_location(leg.origin)
        if location is None:  # the point a first-mile truck leaves from
            if leg.departure < request.ready:
                found.append("the first-mile truck leaves before the ready time")
            continue
        hub = next(stops, None)
        if hub is None or hub.location != leg.origin:
            found.append(f"no hub stop at {leg.origin} before ride {ride + 1}")
            continue
        arriving = last_legs[ride - 1] if ride > 0 else None
        expected = (
            location.handling_hours_between(arriving.mode, leg.mode)
            if arriving is not None
            else 0.0
        )
        if not math.isclose(
            hub.handling_hours, round(hours_to_minutes(expected) / 60, 3), abs_tol=1e-3
        ):
            found.append(
                f"handling at {leg.origin} is {hub.handling_hours} h, published {expected} h"
            )
        customs = _customs_hours(location, hub.customs)
        if customs is None:
            found.append(f"{leg.origin} cannot clear {', '.join(hub.customs)}")
        elif not math.isclose(
            hub.customs_hours, round(hours_to_minutes(customs) / 60, 3), abs_tol=2e-2
        ):
            found.append(
                f"clearance at {leg.origin} is {hub.customs_hours} h, published {customs} h"
            )
        start = arrived if arrived is not None else request.ready
        ready = start + timedelta(hours=hub.handling_hours + hub.customs_hours)
        if leg.cutoff < ready - timedelta(seconds=60):
            found.append(f"{leg.leg_id} cut-off {leg.cutoff} before the box is ready {ready}")
    return found


def _cargo_and_filters(network: Network, request: QuoteRequest, itinerary: Itinerary) -> list[str]:
    found = []
    cargo, filters = request.cargo, request.filters
    visited = {leg.origin for leg in itinerary.legs} | {leg.destination for leg in itinerary.legs}
    for leg in itinerary.legs:
        if leg.mode not in filters.modes:
            found.append(f"{leg.leg_id} is {leg.mode}, not an allowed mode")
        real = network.legs.get(leg.leg_id)
        if real is None:
            continue
        if cargo.cargo_class not in real.cargo_classes:
            found.append(f"{leg.leg_id} does not carry {cargo.cargo_class} cargo")
        if real.operator in filters.excluded_operators:
            found.append(f"{leg.leg_id} is run by excluded {real.operator}")
        if (
            filters.required_operators
            and real.mode is not Mode.ROAD  # trucks are whoever the forwarder books
            and real.operator not in filters.required_operators
        ):
            found.append(f"{leg.leg_id} is run by {real.operator}, not a required operator")
        capacity = request.capacity.get(leg.departure_key, real.capacity_teu)
        if capacity is not None and capacity < cargo.teu:
            found.append(f"{leg.departure_key} has {capacity} TEU free for {cargo.teu} TEU")
    for hub in filters.excluded_hubs & visited:
        found.append(f"visits excluded {hub}")
    required = set(filters.required_hubs)
    if required and filters.hub_rule is HubRule.ALL and not required <= visited:
        found.append(f"misses required hubs {sorted(required - visited)}")
    if required and filters.hub_rule is HubRule.ANY and not required & visited:
        found.append(f"visits none of {sorted(required)}")
    return found


def _bill(network: Network, request: QuoteRequest, itinerary: Itinerary) -> list[str]:
    found = []
    catalogue = network.tariffs
    fen = 0
    for line in itinerary.price.lines:
        item = catalogue.items.get(line.code)
        if item is None:
            found.append(f"{line.code} is not in the fee catalogue")
            continue
        if not item.applies_to.matches(
            box_size=request.cargo.box_size, cargo_class=request.cargo.cargo_class
        ):
            found.append(f"{line.code} does not apply to {request.cargo}")
        if not math.isclose(
            line.amount, line.quantity * line.unit_price, abs_tol=0.01 + 1e-6 * line.amount
        ):
            found.append(f"{line.code}: {line.quantity} x {line.unit_price} != {line.amount}")
        if line.unit_price != item.amount or line.currency != item.currency:
            found.append(f"{line.code}: unit price differs from the catalogue")
        if (
            abs(line.amount_fen - round(catalogue.rates.to_cny(line.amount, line.currency) * 100))
            > 1
        ):
            found.append(f"{line.code}: CNY conversion is off")
        fen += line.amount_fen
    if abs(fen / 100 - itinerary.price.total_cny) > TOLERANCE_CNY:
        found.append(f"lines add up to {fen / 100} CNY, total says {itinerary.price.total_cny}")
    return found


def _emissions(network: Network, request: QuoteRequest, itinerary: Itinerary) -> list[str]:
    found = []
    factors = network.emission_factors
    tonnes = request.cargo.tonnes(factors.payload_t_per_teu)
    wtt = ttw = 0.0
    for leg in itinerary.legs:
        real = network.legs.get(leg.leg_id)
        factor_id = real.emission_class if real else None
        if factor_id is not None:
            expected = factors.leg_factor(factor_id).for_leg(
                leg.distance_km, tonnes=tonnes, teu=request.cargo.teu
            )
            if not (
                math.isclose(leg.wtt_kg, expected.wtt_kg, abs_tol=1e-6)
                and math.isclose(leg.ttw_kg, expected.ttw_kg, abs_tol=1e-6)
            ):
                found.append(f"{leg.leg_id} emissions differ from its factor")
        wtt += leg.wtt_kg
        ttw += leg.ttw_kg
    # every stop, and every change of ship inside a ride (a sea passage's transshipment); a
    # truck that drives on through a place lifts nothing there
    emitter = Emitter(factors, request.cargo)
    hubs = sum(hub.co2e_kg for hub in itinerary.hubs) + sum(
        emitter.hub_kg(network.locations[after.origin])
        for before, after in pairwise(itinerary.legs)
        if before.ride == after.ride
        and before.service != after.service
        and not _drives_on(network, before, after)
    )
    emissions = itinerary.emissions
    if not (
        math.isclose(emissions.wtt_kg, wtt, abs_tol=TOLERANCE_KG)
        and math.isclose(emissions.ttw_kg, ttw, abs_tol=TOLERANCE_KG)
    ):
        found.append("leg emissions do not add up")
    if not math.isclose(emissions.hubs_kg, hubs, abs_tol=TOLERANCE_KG):
        found.append("hub emissions do not add up")
    return found


def _drives_on(network: Network, before: ItineraryLeg, after: ItineraryLeg) -> bool:
    """Whether the truck of ``before`` drives on over ``after`` (see ``Network.drives_on``)."""
    real_before, real_after = network.legs.get(before.leg_id), network.legs.get(after.leg_id)
    return (
        real_before is not None
        and real_after is not None
        and network.drives_on(real_before, real_after)
    )


def _borders(network: Network, itinerary: Itinerary) -> list[str]:
    """Where the box may be: home until exported, the destination country once imported.

    A domestic shipment clears nothing and never leaves the country; an international one is
    exported once and imported once (at a location of the destination country or a crossing),
    and is not unloaded in its home country after export.
    """
    places = [network.find_location(leg.origin) for leg in itinerary.legs]
    places.append(network.find_location(itinerary.legs[-1].destination))
    located = [place for place in places if place is not None]
    home, abroad = located[0].country, located[-1].country
    # calls in order, each with the customs done there and whether the box is unloaded there
    stops = iter(itinerary.hubs)
    calls: list[tuple[Location, tuple[str, ...], bool]] = []
    for index, leg in enumerate(itinerary.legs):
        place = network.find_location(leg.origin)
        boarding = index == 0 or itinerary.legs[index - 1].ride != leg.ride
        done: tuple[str, ...] = ()
        if place is not None and boarding:
            hub = next(stops, None)
            done = hub.customs if hub is not None else ()
        if place is not None:
            calls.append((place, done, boarding))
    end = network.find_location(itinerary.legs[-1].destination)
    if end is not None:
        last = itinerary.hubs[-1] if itinerary.hubs else None
        calls.append((end, last.customs if last and last.location == end.id else (), True))
    events = [(i, event) for i, (_, cleared, _) in enumerate(calls) for event in cleared]
    if home == abroad:
        found = [f"domestic box leaves {home} at {p.id}" for p, _, _ in calls if p.country != home]
        return found + [f"domestic box clears {e} at {calls[i][0].id}" for i, e in events]
    exports = [i for i, event in events if event == "export"]
    imports = [i for i, event in events if event == "import"]
    if len(exports) != 1 or len(imports) != 1:
        return [f"expected one export and one import, found {[e for _, e in events]}"]
    out, into = exports[0], imports[0]
    found = []
    for index, (place, _, unloaded) in enumerate(calls):
        if index < out and place.country != home:
            found.append(f"{place.id} is abroad before export")
        if index > into and place.country != abroad:
            found.append(f"{place.id} is outside {abroad} after import")
        if out < index < into and unloaded and place.country == home:
            found.append(f"unloaded at {place.id} in {home} after export")
    entry = calls[into][0]
    if entry.country != abroad and entry.kind is not LocationKind.BORDER_CROSSING:
        found.append(f"imported at {entry.id}, not in {abroad} nor at a crossing")
    return found


def _customs_hours(location: Location, events: tuple[str, ...]) -> float | None:
    customs = location.customs
    hours = 0.0
    for event in events:
        value = (
            None
            if customs is None
            else (customs.export_hours if event == "export" else customs.import_hours)
        )
        if value is None:
            return None
        hours += value
    return hours


def _first_legs(legs: tuple[ItineraryLeg, ...]) -> list[ItineraryLeg]:
    return [leg for index, leg in enumerate(legs) if index == 0 or legs[index - 1].ride != leg.ride]


def _last_legs(legs: tuple[ItineraryLeg, ...]) -> list[ItineraryLeg]:
    return [
        leg
        for index, leg in enumerate(legs)
        if index == len(legs) - 1 or legs[index + 1].ride != leg.ride
    ]
