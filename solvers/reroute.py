"""Re-routing a booked itinerary: the bill of the part travelled, and the journey spliced.

A re-route keeps the legs before the re-routing point (``from_seq``, 1-based) and replaces the
rest with a new itinerary from where the cargo is. What was travelled stays billed as booked;
everything from the re-routing point on is charged as the new itinerary prices it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from graph import Network
from solvers.cargo import Cargo
from solvers.emissions import Emissions
from solvers.itinerary import Itinerary, Price
from solvers.pricing import PriceLine, ride_label, total_fen
from solvers.quoting.caches import pricer_for


def travelled_lines(
    network: Network, cargo: Cargo, itinerary: Itinerary, from_seq: int
) -> tuple[PriceLine, ...]:
    """The bill of the journey up to the re-routing point (the legs before ``from_seq``).

    Charges at the places the cargo left stay as booked, and so does the freight of every ride
    it finished. A ride it leaves part-way (the re-routing point is a call, not where it was to
    alight) is priced for the part travelled, from the network's catalogue. The cargo is
    discharged at the re-routing point whatever the plan did there, so that charge is priced
    anew: the booked charges there mixed discharge with loading onto the next leg.
    """
    kept = itinerary.legs[: from_seq - 1]
    if not kept:
        return ()
    following = itinerary.legs[from_seq - 1] if from_seq <= len(itinerary.legs) else None
    cut_short = following is not None and following.ride == kept[-1].ride
    finished = {leg.ride for leg in kept} - ({kept[-1].ride} if cut_short else set())
    labels = {ride_label([leg.leg_id for leg in kept if leg.ride == ride]) for ride in finished}
    left_from = {leg.origin for leg in kept}
    lines = [
        line
        for line in itinerary.price.lines
        if line.applies_to in labels or line.applies_to in left_from
    ]
    # the part of the ride still ahead is priced on the day its departure was taken
    ride_start = next(leg for leg in kept if leg.ride == kept[-1].ride)
    pricer = pricer_for(network, cargo).on(ride_start.departure.date())
    if cut_short:
        part = tuple(network.get_leg(leg.leg_id) for leg in kept if leg.ride == kept[-1].ride)
        lines += pricer.ride(part, part[0].origin, part[-1].destination)
    stop = network.find_location(kept[-1].destination)
    if stop is not None:
        lines += pricer.handling(stop, kept[-1].mode)
    return tuple(lines)


def spliced(
    current: Itinerary, from_seq: int, remainder: Itinerary, travelled: Sequence[PriceLine]
) -> Itinerary:
    """The whole journey after re-routing: legs before ``from_seq``, then ``remainder``.

    ``travelled`` is the bill up to the re-routing point (:func:`travelled_lines`). The
    remainder's rides follow the kept ones (the cargo is discharged at the re-routing point, so
    even a ride on the same service is a new one); emissions add up, with the kept legs'
    share of tonne- and TEU-km.
    """
    kept = current.legs[: from_seq - 1]
    rides_kept = kept[-1].ride + 1 if kept else 0
    left_from = {leg.origin for leg in kept}
    kept_km = sum(leg.distance_km for leg in kept)
    all_km = sum(leg.distance_km for leg in current.legs)
    share = kept_km / all_km if all_km else 0.0
    before = current.emissions
    after = remainder.emissions
    kept_hubs = tuple(hub for hub in current.hubs if hub.location in left_from)
    lines = (*travelled, *remainder.price.lines)
    fen = total_fen(lines)
    price = remainder.price
    return Itinerary(
        legs=(
            *kept,
            *(dataclasses.replace(leg, ride=leg.ride + rides_kept) for leg in remainder.legs),
        ),
        hubs=(*kept_hubs, *remainder.hubs),
        departure=current.departure if kept else remainder.departure,
        arrival=remainder.arrival,
        price=Price(
            lines=lines,
            total_cny=fen / 100,
            total_usd=round(fen / 100 / price.usd_rate, 2) if price.usd_rate else price.total_usd,
            usd_rate=price.usd_rate,
            rates_date=price.rates_date,
            valid_until=price.valid_until,
            excluded=tuple(dict.fromkeys((*current.price.excluded, *price.excluded))),
        ),
        emissions=Emissions(
            wtt_kg=sum(leg.wtt_kg for leg in kept) + after.wtt_kg,
            ttw_kg=sum(leg.ttw_kg for leg in kept) + after.ttw_kg,
            hubs_kg=sum(hub.co2e_kg for hub in kept_hubs) + after.hubs_kg,
            tonne_km=before.tonne_km * share + after.tonne_km,
            teu_km=before.teu_km * share + after.teu_km,
        ),
        rides=rides_kept + remainder.rides,
    )
