"""Re-routing: proposals from where the cargo is, accepted atomically onto the same waybill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import Booking, BookingDeparture, DepartureCapacity
from app.mapping import cargo, price_item
from app.roles import Role
from app.schemas.quotes import CargoIn
from app.services import reroute
from graph import Mode, Network
from solvers.cargo import Cargo
from solvers.emissions import Emissions
from solvers.itinerary import Itinerary, ItineraryLeg, Price
from solvers.pricing import PriceLine, total_fen
from solvers.quoting.caches import pricer_for
from solvers.reroute import travelled_lines
from tests.app.conftest import make_key
from tests.app.test_api import booking_body, legs, quote_body
from tests.app.test_disruptions import ship_departure

NOW = datetime(2026, 1, 5, tzinfo=UTC)

pytestmark = pytest.mark.anyio


async def book_by_sea(
    client: httpx.AsyncClient, headers: dict[str, str], **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A booking on the option that sails from PA, and that option."""
    quote = (await client.post("/v1/quotes", json=quote_body(**extra), headers=headers)).json()
    index, option = next(
        (i, o)
        for i, o in enumerate(quote["options"])
        if any(leg["mode"] == "sea" for leg in legs(o))
    )
    made = await client.post("/v1/bookings", json=booking_body(quote, index), headers=headers)
    assert made.status_code == 201, made.text
    return made.json(), option


def pa_closed_around(sails: datetime) -> dict[str, Any]:
    return {
        "target_type": "location",
        "target": "PA",
        "kind": "port_closure",
        "reason": "Typhoon signal No. 8",
        "start": (sails - timedelta(hours=12)).isoformat(),
        "end": (sails + timedelta(hours=36)).isoformat(),
    }


def held_matches_booked(database_url: str) -> dict[str, float]:
    """Check every departure's booked TEU = what confirmed bookings hold; return booked TEU."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            held = dict(
                db.execute(
                    select(BookingDeparture.departure_key, func.sum(BookingDeparture.teu))
                    .join(Booking, Booking.id == BookingDeparture.booking_id)
                    .where(Booking.status == "confirmed")
                    .group_by(BookingDeparture.departure_key)
                ).all()
            )
            booked = {
                row.departure_key: row.booked_teu for row in db.scalars(select(DepartureCapacity))
            }
    finally:
        engine.dispose()
    for key, teu in booked.items():
        assert teu == pytest.approx(held.get(key, 0.0)), key
    return booked


def avoids(option_legs: list[dict[str, Any]], window: dict[str, Any]) -> bool:
    start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
    return not any(
        leg[side] == "PA" and start <= datetime.fromisoformat(leg[when]) < end
        for leg in option_legs
        for side, when in (("from", "departure"), ("to", "arrival"))
    )


async def test_a_closure_offers_a_later_departure_and_accepting_moves_the_booking(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    booking, option = await book_by_sea(client, make_key(database_url, "Org A", Role.FORWARDER))
    url = f"/v1/bookings/{booking['id']}"
    gate_in = {
        "classifier": "ACT",
        "code": "GTIN",
        "leg_seq": 1,
        "event_time": datetime.now(UTC).isoformat(),
    }
    assert (await client.post(f"{url}/events", json=gate_in, headers=dispatcher)).status_code == 201
    sails = ship_departure(option)
    window = pa_closed_around(sails)
    disruption = (await client.post("/v1/disruptions", json=window, headers=dispatcher)).json()
    (hit,) = disruption["affected_bookings"]
    assert hit["booking_id"] == booking["id"]
    assert hit["proposals"], hit["note"]
    for proposal in hit["proposals"]:
        assert proposal["from"]["location"] == "DP"  # gated in at the origin
        assert proposal["from"]["from_seq"] == 1
        assert proposal["meets_deadline"] is None  # the booking has no deadline
        assert avoids(legs(proposal), window)
        assert proposal["planned_arrival"] == booking["option"]["arrival"]
        arrival, planned = (
            datetime.fromisoformat(proposal[k]) for k in ("arrival", "planned_arrival")
        )
        assert proposal["delay_minutes"] == round((arrival - planned).total_seconds() / 60)
    best = hit["proposals"][0]
    # the same disruption read again offers the same proposals (kept, not searched again)
    again = (await client.get(f"/v1/disruptions/{disruption['id']}", headers=dispatcher)).json()
    assert [p["id"] for p in again["affected_bookings"][0]["proposals"]] == [
        p["id"] for p in hit["proposals"]
    ]
    assert [p["id"] for p in (await client.get(f"{url}/reroute-proposals", headers=dispatcher))
            .json()["items"]] == [p["id"] for p in hit["proposals"]]  # fmt: skip
    booked_before = held_matches_booked(database_url)
    old_ship = next(leg["departure_key"] for leg in legs(option) if leg["mode"] == "sea")
    assert booked_before[old_ship] == 1.0

    moved = await client.post(
        f"{url}/reroute", json={"proposal_id": best["id"]}, headers=dispatcher
    )
    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert (after["id"], after["waybill_number"]) == (booking["id"], booking["waybill_number"])
    assert legs(after["option"]) == legs(best)
    assert after["option"]["price"]["total_cny"] == best["price_total_cny"]
    booked_after = held_matches_booked(database_url)
    assert booked_after[old_ship] == 0.0  # the old sailing got its TEU back
    new_ship = next(leg["departure_key"] for leg in legs(best) if leg["mode"] == "sea")
    assert booked_after[new_ship] == 1.0
    assert {r["departure_key"] for r in after["reservations"]} == {
        leg["departure_key"] for leg in legs(best) if leg["mode"] != "road"
    }
    replay = await client.post(
        f"{url}/reroute", json={"proposal_id": best["id"]}, headers=dispatcher
    )
    assert replay.status_code == 200
    assert replay.json()["option"] == after["option"]
    assert held_matches_booked(database_url) == booked_after
    if len(hit["proposals"]) > 1:
        other = hit["proposals"][1]["id"]
        stale = await client.post(f"{url}/reroute", json={"proposal_id": other}, headers=dispatcher)
        assert stale.status_code == 409
        assert stale.json()["type"].endswith("stale-proposal")
    tracked = (await client.get(f"{url}/events", headers=dispatcher)).json()["tracking"]
    last = datetime.fromisoformat(legs(best)[-1]["arrival"])
    assert datetime.fromisoformat(tracked["planned_vehicle_arrival"]) == last  # the new plan's
    assert datetime.fromisoformat(tracked["vehicle_eta"]) == last
    assert datetime.fromisoformat(best["vehicle_arrival"]) == last
    available = datetime.fromisoformat(best["arrival"])
    assert datetime.fromisoformat(tracked["planned_arrival"]) == available
    assert datetime.fromisoformat(tracked["eta"]) == available


async def test_cargo_aboard_is_rerouted_from_where_its_vehicle_arrives(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    booking, option = await book_by_sea(client, make_key(database_url, "Org A", Role.FORWARDER))
    url = f"/v1/bookings/{booking['id']}"
    plan = legs(option)
    departed = {
        "classifier": "ACT",
        "code": "DEPA",
        "leg_seq": 1,
        "event_time": datetime.now(UTC).isoformat(),
    }
    assert (
        await client.post(f"{url}/events", json=departed, headers=dispatcher)
    ).status_code == 201
    made = await client.post(f"{url}/reroute-proposals", headers=dispatcher)
    assert made.status_code == 201, made.text
    proposals = made.json()["items"]
    assert proposals, made.json()["note"]
    for proposal in proposals:
        assert proposal["from"]["location"] == plan[0]["to"]
        assert proposal["from"]["from_seq"] == 2
        assert legs(proposal)[0] == plan[0]  # the leg it rides stays
        assert proposal["disruption_id"] is None
    accepted = await client.post(
        f"{url}/reroute", json={"proposal_id": proposals[0]["id"]}, headers=dispatcher
    )
    assert accepted.status_code == 200, accepted.text
    held_matches_booked(database_url)
    bill = accepted.json()["option"]["price"]
    assert bill["total_cny"] == pytest.approx(sum(i["amount_cny"] for i in bill["items"]))
    assert plan[1]["service"] == plan[0]["service"]  # it leaves its through train at RT
    travelled = {i["code"] for i in bill["items"] if i["applies_to"] == plan[0]["leg"]}
    booked = {i["code"] for i in option["price"]["items"] if ".." in i["applies_to"]}
    assert travelled == booked  # the same freight items, for the part travelled
    # the event on leg 1 still describes the kept leg; the new plan starts from seq 2
    stream = (await client.get(f"{url}/events", headers=dispatcher)).json()
    assert stream["tracking"]["legs"][0]["departure_basis"] == "ACT"


async def test_a_deadline_no_itinerary_meets_gets_the_least_late(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    probe = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    by_sea = next(o for o in probe["options"] if any(leg["mode"] == "sea" for leg in legs(o)))
    deadline = datetime.fromisoformat(by_sea["arrival"]) + timedelta(hours=1)
    _, option = await book_by_sea(client, forwarder, deadline=deadline.isoformat())
    window = pa_closed_around(ship_departure(option))
    disruption = (await client.post("/v1/disruptions", json=window, headers=dispatcher)).json()
    proposals = disruption["affected_bookings"][0]["proposals"]
    assert proposals
    arrivals = [datetime.fromisoformat(p["arrival"]) for p in proposals]
    assert arrivals == sorted(arrivals)  # least late first
    for proposal, arrival in zip(proposals, arrivals, strict=True):
        assert proposal["meets_deadline"] is False
        assert proposal["late_minutes"] == round((arrival - deadline).total_seconds() / 60)
        assert proposal["deadline"] is not None


async def test_stale_and_foreign_proposals_are_refused(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    stranger = make_key(database_url, "Org B", Role.DISPATCHER)
    booking, _ = await book_by_sea(client, make_key(database_url, "Org A", Role.FORWARDER))
    url = f"/v1/bookings/{booking['id']}"
    first = (await client.post(f"{url}/reroute-proposals", headers=dispatcher)).json()["items"]
    assert first
    proposal = {"proposal_id": first[0]["id"]}
    foreign = await client.post(f"{url}/reroute", json=proposal, headers=stranger)
    assert foreign.status_code == 404
    unknown = await client.post(f"{url}/reroute", json={"proposal_id": "rp_x"}, headers=dispatcher)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.proposal_id"
    # the cargo leaves on the planned train after the proposals were made: they are stale
    departed = {
        "classifier": "ACT",
        "code": "DEPA",
        "leg_seq": 1,
        "event_time": datetime.now(UTC).isoformat(),
    }
    assert (
        await client.post(f"{url}/events", json=departed, headers=dispatcher)
    ).status_code == 201
    moved_on = await client.post(f"{url}/reroute", json=proposal, headers=dispatcher)
    assert moved_on.status_code == 409
    assert "moved on" in moved_on.json()["title"]
    made = (await client.post(f"{url}/reroute-proposals", headers=dispatcher)).json()["items"][0]
    proposal = {"proposal_id": made["id"]}
    # the network operator closes the way it proposes: proposals made before are stale
    operator = make_key(database_url, "Corridor Operations", Role.NETWORK_OPERATOR)
    window = pa_closed_around(ship_departure(made))
    assert (await client.post("/v1/disruptions", json=window, headers=operator)).status_code == 201
    stale = await client.post(f"{url}/reroute", json=proposal, headers=dispatcher)
    assert stale.status_code == 409
    assert stale.json()["type"].endswith("stale-proposal")
    assert (await client.get(f"{url}/reroute-proposals", headers=dispatcher)).json()["items"] == []
    await client.post(f"{url}/cancel", headers=dispatcher)
    fresh = await client.post(f"{url}/reroute-proposals", headers=dispatcher)
    assert fresh.status_code == 409
    held_matches_booked(database_url)


async def test_a_deadline_already_past_gets_late_proposals(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    probe = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    by_sea = next(o for o in probe["options"] if any(leg["mode"] == "sea" for leg in legs(o)))
    deadline = datetime.fromisoformat(by_sea["arrival"]) + timedelta(hours=1)
    booking, _ = await book_by_sea(client, forwarder, deadline=deadline.isoformat())
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            row = db.get(Booking, booking["id"])
            assert row is not None
            later = deadline + timedelta(days=1)  # asked for after the deadline went by
            found = reroute.propose(
                db, app.state.running.network, row, None, later, timedelta(hours=1), 56
            )
            assert found.proposals, found.note
            for proposal in (
                reroute.proposal_out(p, app.state.running.network) for p in found.proposals
            ):
                assert proposal["meets_deadline"] is False
                assert proposal["late_minutes"] > 24 * 60
    finally:
        engine.dispose()


def bill_of(network: Network, cargo: Cargo, plan: list[tuple[str, str]]) -> Itinerary:
    """A booked itinerary over rides ``(first leg, last leg)``, priced as a quote would."""
    pricer = pricer_for(network, cargo)
    legs: list[ItineraryLeg] = []
    lines: list[PriceLine] = []
    for number, (first, last) in enumerate(plan):
        ride = [network.get_leg(first)]
        while ride[-1].id != last:
            following = network.next_leg(ride[-1])
            assert following is not None
            ride.append(following)
        board = network.get_location(ride[0].origin)
        alight = network.get_location(ride[-1].destination)
        lines += (
            pricer.handling(board, ride[0].mode)
            + pricer.ride(tuple(ride), board.id, alight.id)
            + pricer.handling(alight, ride[-1].mode)
        )
        legs += [
            ItineraryLeg(
                leg.id,
                number,
                leg.service,
                None,
                leg.mode,
                leg.operator,
                leg.origin,
                leg.destination,
                NOW,
                NOW,
                NOW,
                leg.distance_km,
                leg.geometry,
                0.0,
                0.0,
            )
            for leg in ride
        ]
    price = Price(tuple(lines), total_fen(lines) / 100, 0.0, 0.0, "2026-01-01", NOW, ())
    return Itinerary(tuple(legs), (), NOW, NOW, price, Emissions(0, 0, 0, 0, 0), rides=len(plan))


def travelled_items(
    network: Network, cargo: Cargo, booked: Itinerary, from_seq: int
) -> list[dict[str, Any]]:
    return [price_item(line, network) for line in travelled_lines(network, cargo, booked, from_seq)]


def test_the_travelled_bill_keeps_finished_rides_and_prices_the_part_and_the_discharge(
    tiny_network: Network,
) -> None:
    box = cargo(CargoIn(box="22G1", count=1))
    pricer = pricer_for(tiny_network, box)
    pa = tiny_network.get_location("PA")
    # by train DP–RT–PA (one ride), then by ship PA–PB–PC (one ride)
    booked = bill_of(tiny_network, box, [("TRAIN-1", "TRAIN-2"), ("SHIP-1", "SHIP-2")])
    whole_train = [
        price_item(line, tiny_network)
        for line in booked.price.lines
        if line.applies_to == "TRAIN-1..TRAIN-2"
    ]
    assert whole_train

    # re-routed at PA, where the plan changed to the ship: the train's freight stays as
    # booked; loading the ship at PA (THC) is gone, discharging the train there (nothing
    # at PA for rail) is priced
    at_pa = travelled_items(tiny_network, box, booked, from_seq=3)
    assert [i for i in at_pa if i["applies_to"] == "TRAIN-1..TRAIN-2"] == whole_train
    assert [i for i in at_pa if i["applies_to"] == "PA"] == [
        price_item(line, tiny_network) for line in pricer.handling(pa, Mode.RAIL)
    ]
    assert not any(i["code"] == "THC" for i in at_pa)

    # re-routed at RT, a call of the train: only DP–RT is charged, as its own ride
    at_rt = travelled_items(tiny_network, box, booked, from_seq=2)
    train_1 = tiny_network.get_leg("TRAIN-1")
    assert {i["applies_to"] for i in at_rt} <= {"DP", "TRAIN-1", "RT"}
    assert [i for i in at_rt if i["applies_to"] == "TRAIN-1"] == [
        price_item(line, tiny_network) for line in pricer.ride((train_1,), "DP", "RT")
    ]

    # re-routed at PB, a call of the ship: the ship is left there and the box discharged
    at_pb = travelled_items(tiny_network, box, booked, from_seq=4)
    assert [i["code"] for i in at_pb if i["applies_to"] == "PA"] == ["THC"]  # loaded as booked
    ship_1 = tiny_network.get_leg("SHIP-1")
    assert [i for i in at_pb if i["applies_to"] == "SHIP-1"] == [
        price_item(line, tiny_network) for line in pricer.ride((ship_1,), "PA", "PB")
    ]
    assert not any(".." in i["applies_to"] and "SHIP" in i["applies_to"] for i in at_pb)

    # a ship discharged at PA pays THC there
    inbound = bill_of(tiny_network, box, [("OLD-1", "OLD-1"), ("SHIP-1", "SHIP-1")])
    back_at_pa = travelled_items(tiny_network, box, inbound, from_seq=2)
    assert [i for i in back_at_pa if i["applies_to"] == "PA"] == [
        price_item(line, tiny_network) for line in pricer.handling(pa, Mode.SEA)
    ]
    assert travelled_items(tiny_network, box, booked, from_seq=1) == []
