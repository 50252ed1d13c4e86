"""A forwarder's plausibility suite, on every ordered pair of cities in the bundled network.

Would a forwarder send these quotes? Every ride's speed, freight per kilometre and CO2e per
TEU-km lies inside bounds per mode taken from published figures
(tests/fixtures/published/bounds.toml, each bound with its source and why the band is that wide);
one ocean freight per sea passage, loading to discharge, transshipped or not; a truck that
drives on through a place is one trip (the box changes truck only at a border crossing or where
it clears customs); no option comes back to a city it left; no named option is dominated by
another of the same answer; a reefer box pays more than a dry one on every sea and road ride,
and never less on a whole trip.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graph import CargoClass, Mode, Network
from solvers.cargo import Cargo
from solvers.itinerary import Itinerary, ItineraryLeg
from solvers.pricing import Pricer, ride_label
from solvers.quoting import QuoteResult, quote
from solvers.types import Endpoint, QuoteRequest

BOUNDS: dict[str, Any] = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "published" / "bounds.toml").read_text()
)
READY = datetime(2026, 12, 14, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
DRY = Cargo(CargoClass.DRY, "45G1", 1)
REEFER = Cargo(CargoClass.REEFER, "45R1", 1)

Answers = dict[tuple[str, str], QuoteResult]


def _answers(network: Network, cargo: Cargo) -> Answers:
    cities = sorted(network.cities)
    return {
        (a, b): quote(
            network,
            QuoteRequest(
                origin=Endpoint.in_city(a),
                destination=Endpoint.in_city(b),
                ready=READY,
                cargo=cargo,
            ),
        )
        for a in cities
        for b in cities
        if a != b
    }


@pytest.fixture(scope="module")
def dry(real_network: Network) -> Answers:
    return _answers(real_network, DRY)


@pytest.fixture(scope="module")
def reefer(real_network: Network) -> Answers:
    return _answers(real_network, REEFER)


def rides(itinerary: Itinerary) -> Iterator[tuple[ItineraryLeg, ...]]:
    """The legs of each ride, in order."""
    legs: list[ItineraryLeg] = []
    for leg in itinerary.legs:
        if legs and leg.ride != legs[-1].ride:
            yield tuple(legs)
            legs = []
        legs.append(leg)
    if legs:
        yield tuple(legs)


def freight_cny(itinerary: Itinerary, ride: tuple[ItineraryLeg, ...]) -> float:
    label = ride_label([leg.leg_id for leg in ride])
    return sum(
        line.amount_cny
        for line in itinerary.price.lines
        if line.category == "freight" and line.applies_to == label
    )


def test_every_ride_is_inside_the_published_bounds_of_its_mode(dry: Answers) -> None:
    outside: list[str] = []
    checked = dict.fromkeys(BOUNDS, 0)
    seen: set[tuple[str, ...]] = set()
    for result in dry.values():
        for itinerary in result.pareto:
            for ride in rides(itinerary):
                key = tuple(f"{leg.leg_id}@{leg.departure:%a %H:%M}" for leg in ride)
                if key in seen:
                    continue
                seen.add(key)
                mode = ride[0].mode.value
                bounds = BOUNDS[mode]
                km = sum(leg.distance_km for leg in ride)
                hours = (ride[-1].arrival - ride[0].departure).total_seconds() / 3600
                figures = {
                    "speed_kmh": km / hours,
                    "co2e_g_per_teu_km": 1000
                    * sum(leg.wtt_kg + leg.ttw_kg for leg in ride)
                    / (km * DRY.teu),
                }
                if km >= bounds["price_from_km"]:
                    figures["price_cny_per_feu_km"] = freight_cny(itinerary, ride) / km
                for name, value in figures.items():
                    low, high = bounds[name]
                    if not low <= value <= high:
                        outside.append(
                            f"{ride_label([leg.leg_id for leg in ride])} ({km:,.0f} km): "
                            f"{name} {value:,.2f} not in [{low}, {high}]"
                        )
                checked[mode] += 1
    assert not outside, "\n".join(outside[:30])
    # every mode of the network is judged, on many rides
    assert checked["sea"] > 300
    assert checked["rail"] > 100
    assert checked["road"] > 30
    assert checked["river"] > 20


def test_one_ocean_freight_per_sea_passage_and_no_return_to_a_city(
    real_network: Network, dry: Answers
) -> None:
    options = passages = 0
    for pair, result in dry.items():
        for itinerary in result.pareto:
            options += 1
            been = [real_network.city_of(itinerary.legs[0].origin)]
            for ride in rides(itinerary):
                if ride[0].mode is Mode.SEA:
                    label = ride_label([leg.leg_id for leg in ride])
                    freight = [
                        line.code
                        for line in itinerary.price.lines
                        if line.category == "freight" and line.applies_to == label
                    ]
                    assert len(freight) == 1, (pair, label, freight)
                    passages += len({leg.service for leg in ride}) > 1
                stops = [real_network.city_of(leg.destination) for leg in ride]
                here, there = been[-1], stops[-1]
                assert there == here or there not in been, (pair, been, there)
                assert there != here or set(stops) == {here}, (pair, stops)
                been.append(there)
    assert len(dry) > 4800
    assert options > len(dry)
    assert passages > 1000


def test_the_box_changes_truck_only_at_a_border_crossing_or_customs(
    real_network: Network, dry: Answers
) -> None:
    changes: list[str] = []
    driven_on = 0
    for result in dry.values():
        for itinerary in result.pareto:
            hubs = {hub.location: hub for hub in itinerary.hubs}
            for before, after in pairwise(rides(itinerary)):
                place = before[-1].destination
                if (
                    before[-1].mode is Mode.ROAD
                    and after[0].mode is Mode.ROAD
                    and real_network.drives_on(
                        real_network.legs[before[-1].leg_id], real_network.legs[after[0].leg_id]
                    )
                    and not hubs[place].customs
                ):
                    changes.append(f"{itinerary}: a change of truck at {place}")
            driven_on += sum(
                real_network.drives_on(real_network.legs[a.leg_id], real_network.legs[b.leg_id])
                for ride in rides(itinerary)
                for a, b in pairwise(ride)
            )
    assert not changes, "\n".join(changes[:20])
    assert driven_on > 0  # some trucks do drive on through a place


def test_no_named_option_is_dominated_by_another_of_the_same_answer(dry: Answers) -> None:
    def criteria(itinerary: Itinerary) -> tuple[float, float, float]:
        arrival = itinerary.arrival.timestamp()
        return (arrival, itinerary.price.total_cny, itinerary.emissions.total_kg)

    named = 0
    for pair, result in dry.items():
        options = [criteria(option.itinerary) for option in result.options]
        named += len(options)
        for mine in options:
            for other in options:
                better = other != mine and all(o <= m for o, m in zip(other, mine, strict=True))
                assert not better, (pair, mine, other)
    assert named > len(dry)


def test_a_reefer_box_pays_more_than_a_dry_one(
    real_network: Network, dry: Answers, reefer: Answers
) -> None:
    as_dry = Pricer(real_network.tariffs, DRY, real_network.emission_factors.payload_t_per_teu)
    rides_compared = pairs_compared = 0
    for pair, result in reefer.items():
        for itinerary in result.pareto:
            for ride in rides(itinerary):
                if ride[0].mode not in (Mode.SEA, Mode.ROAD):
                    continue  # no reefer rail or barge rate is published: a listed gap
                legs = tuple(real_network.legs[leg.leg_id] for leg in ride)
                dry_cny = sum(
                    line.amount_cny
                    for line in as_dry.ride(legs, ride[0].origin, ride[-1].destination)
                    if line.category == "freight"
                )
                assert freight_cny(itinerary, ride) > dry_cny, (pair, ride[0].leg_id)
                rides_compared += 1
        cheapest_dry = min((i.price.total_cny for i in dry[pair].pareto), default=None)
        cheapest = min(result.pareto, key=lambda i: i.price.total_cny, default=None)
        if cheapest_dry is None or cheapest is None:
            continue
        # a reefer-only train (a cold-chain service) is a way dry boxes do not have, priced at
        # the dry rail rate for want of a reefer one: the listed rail reefer gap
        if all(
            CargoClass.DRY in real_network.legs[leg.leg_id].cargo_classes for leg in cheapest.legs
        ):
            assert cheapest.price.total_cny >= cheapest_dry, pair
            pairs_compared += 1
    assert rides_compared > 1000
    assert pairs_compared > 1000
