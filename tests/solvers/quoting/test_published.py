"""The engine against published transit times, distances and prices (tests/fixtures/published).

Each figure names its source, and a band (``low``–``high``) justified in the file. The engine's
value for a figure:

- a transit time: the shortest over the quote's options by the figure's modes, either aboard
  (first departure to the last vehicle's arrival) or door to door (to the box being available):
  a published "n days" may mean either, and the test says which one fits (trucks to and from
  the terminals are allowed; "aboard" counts the legs of the figure's modes);
- a road distance: the shortest road itinerary's kilometres;
- an ocean price: the ocean freight lines of the cheapest sea itinerary for one 20 ft (per TEU)
  or 40 ft (per FEU) dry box;
- a price per container: the cheapest through price for one 40 ft dry box.

A figure the engine does not reproduce carries ``engine_differs`` (why); the test checks that it
still differs, so that a fix is noticed and the note removed. The table of every figure, its
source and the engine's value is printed at the end of the run (tests/figures.py).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graph import CargoClass, Mode, Network
from solvers.cargo import Cargo
from solvers.itinerary import Itinerary
from solvers.quoting import quote
from solvers.types import Endpoint, Filters, QuoteRequest
from tests.figures import report

FIGURES = Path(__file__).resolve().parents[2] / "fixtures" / "published" / "figures.toml"
READY = datetime(2026, 12, 7, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
#: The modes a figure is about; trucks to and from the terminals are allowed besides.
MODES = {
    "sea": {Mode.SEA},
    "rail": {Mode.RAIL},
    "sea_rail": {Mode.RAIL, Mode.SEA},
    "border_rail": {Mode.RAIL},
    "barge": {Mode.RIVER},
    "road": {Mode.ROAD},
}
HOURS = {"transit_hours": 1.0, "transit_days": 24.0, "transit_minutes": 1 / 60}


@dataclass(frozen=True)
class Checked:
    """The engine's value for one figure, in the figure's unit, and what it measured."""

    value: float | None
    measure: str


def figures() -> list[dict[str, Any]]:
    with FIGURES.open("rb") as handle:
        return list(tomllib.load(handle)["figure"])


def endpoint(network: Network, code: str) -> Endpoint:
    return Endpoint.in_city(code) if code in network.terminals else Endpoint.at(code)


def itineraries(
    network: Network, figure: dict[str, Any], box: str = "42G1"
) -> tuple[Itinerary, ...]:
    asked = QuoteRequest(
        origin=endpoint(network, figure["origin"]),
        destination=endpoint(network, figure["destination"]),
        ready=READY,
        cargo=Cargo(CargoClass.DRY, box, 1),
        filters=Filters(modes=frozenset(MODES[figure["mode"]] | {Mode.ROAD})),
    )
    main = MODES[figure["mode"]]
    return tuple(i for i in quote(network, asked).pareto if any(leg.mode in main for leg in i.legs))


def aboard_hours(itinerary: Itinerary, modes: set[Mode]) -> float:
    """From the first departure to the last arrival of the legs of ``modes``."""
    legs = [leg for leg in itinerary.legs if leg.mode in modes]
    return (legs[-1].arrival - legs[0].departure).total_seconds() / 3600


def transit(network: Network, figure: dict[str, Any]) -> Checked:
    found = itineraries(network, figure)
    if not found:
        return Checked(None, "no itinerary")
    per_unit = HOURS[figure["quantity"]]
    aboard = min(aboard_hours(i, MODES[figure["mode"]]) for i in found)
    door = min(i.transit_hours for i in found)
    low, high = figure["low"] * per_unit, figure["high"] * per_unit
    if low <= aboard <= high or not low <= door <= high:
        return Checked(aboard / per_unit, "aboard")
    return Checked(door / per_unit, "door to door")


def distance(network: Network, figure: dict[str, Any]) -> Checked:
    found = itineraries(network, figure)
    km = min((sum(leg.distance_km for leg in i.legs) for i in found), default=None)
    return Checked(km, "road km")


def ocean(network: Network, figure: dict[str, Any]) -> Checked:
    per_teu = figure["quantity"] == "price_usd_per_teu"
    found = itineraries(network, figure, "22G1" if per_teu else "42G1")
    usd = [
        sum(line.amount for line in i.price.lines if line.category == "freight")
        for i in found
        if all(line.currency == "USD" for line in i.price.lines if line.category == "freight")
    ]
    return Checked(min(usd, default=None), "ocean freight USD")


def through_price(network: Network, figure: dict[str, Any]) -> Checked:
    found = itineraries(network, figure)
    return Checked(min((i.price.total_cny for i in found), default=None), "through price CNY")


CHECKS: dict[str, Callable[[Network, dict[str, Any]], Checked]] = {
    **dict.fromkeys(HOURS, transit),
    "distance_km": distance,
    "price_usd_per_teu": ocean,
    "price_usd_per_feu": ocean,
    "price_cny_per_container": through_price,
}


def test_the_table_covers_four_modes_and_both_times_and_prices() -> None:
    table = figures()
    assert len(table) >= 20
    assert len({f["mode"] for f in table}) >= 4
    assert any(f["quantity"] in HOURS for f in table)
    assert any(f["quantity"].startswith("price") for f in table)
    for figure in table:
        assert figure["low"] <= figure["value"] <= figure["high"], figure["id"]
        assert figure.get("source_id") or figure.get("source_url"), figure["id"]
        assert figure["tolerance_reason"], figure["id"]


@pytest.mark.parametrize("figure", figures(), ids=lambda f: f["id"])
def test_the_engine_reproduces_a_published_figure(
    real_network: Network, figure: dict[str, Any]
) -> None:
    check = CHECKS.get(figure["quantity"])
    if check is None:
        pytest.skip(f"{figure['quantity']}: no reference rate or measure for it here")
    checked = check(real_network, figure)
    inside = checked.value is not None and figure["low"] <= checked.value <= figure["high"]
    engine = "none" if checked.value is None else f"{checked.value:,.1f}"
    report(
        f"published {figure['id']}: {figure['value']} {figure['unit']} "
        f"[{figure['low']}–{figure['high']}] engine {engine} ({checked.measure}) "
        f"{'ok' if inside else 'DIFFERS'} — {figure.get('source_id') or figure['source_url']}"
    )
    if figure.get("engine_differs"):
        assert not inside, f"{figure['id']} now agrees: drop its engine_differs note"
    else:
        assert inside, (figure["id"], checked)
