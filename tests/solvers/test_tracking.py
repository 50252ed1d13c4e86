"""Tracking: a booked itinerary's estimates move with reported events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from graph import Network
from solvers.tracking import Classifier, Event, EventCode, PlannedLeg, track

MONDAY = datetime(2027, 1, 4, tzinfo=UTC)


def planned(network: Network) -> list[PlannedLeg]:
    """DP -> RT -> PA aboard the train, then the ship PA -> PB: the first departures that
    connect, from the timetable."""
    legs = []
    ready = MONDAY
    for seq, leg_id in enumerate(("TRAIN-1", "TRAIN-2", "SHIP-1"), start=1):
        leg = network.legs[leg_id]
        departure = next(
            d for d in network.departures(leg_id, ready, ready + timedelta(days=14))
            if d.cutoff >= ready
        )  # fmt: skip
        legs.append(
            PlannedLeg(
                seq, leg_id, leg.service, leg.mode, leg.origin, leg.destination,
                departure.departure, departure.arrival, departure.cutoff,
            )
        )  # fmt: skip
        handling = network.locations[leg.destination].handling_hours_between(leg.mode, None)
        ready = departure.arrival + timedelta(hours=handling if seq == 2 else 0)
    return legs


def event(code: EventCode, seq: int, time: datetime, classifier: Classifier = Classifier.ACTUAL,
          recorded: datetime | None = None) -> Event:  # fmt: skip
    return Event(classifier, code, seq, time, recorded or time)


def test_without_events_the_estimate_is_the_plan(tiny_network: Network) -> None:
    plan = planned(tiny_network)
    tracking = track(tiny_network, plan, [])
    assert [(e.departure, e.arrival) for e in tracking.legs] == [
        (p.departure, p.arrival) for p in plan
    ]
    assert tracking.eta == plan[-1].arrival
    assert tracking.delay_minutes == 0
    assert tracking.missed_connections == ()


def test_a_late_train_carries_its_delay_aboard_and_still_makes_the_ship(
    tiny_network: Network,
) -> None:
    plan = planned(tiny_network)
    late = plan[0].departure + timedelta(hours=10)
    tracking = track(tiny_network, plan, [event(EventCode.DEPARTED, 1, late)])
    first, second, ship = tracking.legs
    assert first.departure == late
    assert first.arrival == plan[0].arrival + timedelta(hours=10)
    assert first.departure_basis is Classifier.ACTUAL
    # staying aboard: the dwell at RT is kept, so the second leg leaves 10 h late too
    assert second.departure == plan[1].departure + timedelta(hours=10)
    assert ship.departure == plan[2].departure
    assert tracking.missed_connections == ()
    assert tracking.delay_minutes == 0


def test_a_late_arrival_misses_the_ship_and_takes_the_next_one(tiny_network: Network) -> None:
    plan = planned(tiny_network)
    too_late = plan[2].cutoff  # arrives at PA at the ship's cut-off: no time to handle the box
    tracking = track(tiny_network, plan, [event(EventCode.ARRIVED, 2, too_late)])
    ship = tracking.legs[2]
    assert ship.missed_connection
    assert tracking.missed_connections == (3,)
    assert ship.rebooked_departure == plan[2].departure + timedelta(days=7)  # weekly ship
    assert tracking.eta == plan[2].arrival + timedelta(days=7)
    assert tracking.delay_minutes == 7 * 24 * 60


def test_an_actual_report_outranks_a_later_estimate(tiny_network: Network) -> None:
    plan = planned(tiny_network)
    actual = plan[0].arrival + timedelta(hours=2)
    guess = plan[0].arrival + timedelta(hours=30)
    events = [
        event(EventCode.ARRIVED, 1, actual, recorded=MONDAY),
        event(EventCode.ARRIVED, 1, guess, Classifier.ESTIMATED, recorded=MONDAY + timedelta(1)),
    ]
    tracking = track(tiny_network, plan, events)
    assert tracking.legs[0].arrival == actual
    assert tracking.legs[0].arrival_basis is Classifier.ACTUAL
    newer = event(EventCode.ARRIVED, 1, guess, Classifier.ESTIMATED, recorded=MONDAY)
    later = event(
        EventCode.ARRIVED, 1, actual, Classifier.ESTIMATED, recorded=MONDAY + timedelta(1)
    )
    assert track(tiny_network, plan, [newer, later]).legs[0].arrival == actual


def test_customs_at_a_transfer_count_towards_the_connection(tiny_network: Network) -> None:
    plan = planned(tiny_network)
    handling = tiny_network.locations["PA"].handling_hours_between(plan[1].mode, plan[2].mode)
    # the train reaches PA half an hour before the box, handled, would miss the ship's cut-off
    arrival = plan[2].cutoff - timedelta(hours=handling + 0.5)
    events = [event(EventCode.ARRIVED, 2, arrival)]
    assert track(tiny_network, plan, events).missed_connections == ()
    cleared = [*plan[:2], replace(plan[2], clearance_hours=1.0)]  # export clearance at PA
    tracking = track(tiny_network, cleared, events)
    assert tracking.missed_connections == (3,)
    assert tracking.legs[2].rebooked_departure == plan[2].departure + timedelta(days=7)
