"""Tracking: where a booked box is and when it will arrive, from its plan and reported events.

Events follow DCSA's shape: a classifier (PLN planned, EST estimated, ACT actual) and a code
(transport ``DEPA``/``ARRI``; equipment ``GTIN``/``LOAD`` at a leg's origin, ``DISC``/``GTOT``
at its destination) on one leg of the itinerary. For each leg, in order:

- departure: the actual departure if reported, else the latest estimate, else the plan; a box
  that stays aboard leaves when its vehicle does (the planned dwell kept after a late arrival);
- a transfer (another service) is *missed* when the box's estimated arrival plus the hub's
  handling time, the customs clearance quoted there and any congestion dwell is after the next
  leg's cut-off; the box then
  takes that service's next departure whose cut-off it can make (from the timetable), and the
  missed connection is flagged;
- arrival: the actual arrival if reported, else the latest estimate, else the planned arrival
  moved by the leg's departure delay.

The estimated arrival of the last leg is the vehicle's (``vehicle_eta``); the box is available
the destination's handling and clearance later, as quoted (``eta``): the same two instants as
an option's ``vehicle_arrival`` and ``arrival``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from graph import Mode, Network
from solvers.itinerary import Itinerary

#: How far ahead the next departure of a missed service is looked for.
NEXT_DEPARTURE_WINDOW = timedelta(days=42)


class Classifier(StrEnum):
    """DCSA event classifier."""

    PLANNED = "PLN"
    ESTIMATED = "EST"
    ACTUAL = "ACT"


class EventCode(StrEnum):
    """DCSA transport and equipment event codes this service understands."""

    DEPARTED = "DEPA"
    ARRIVED = "ARRI"
    GATE_IN = "GTIN"
    LOADED = "LOAD"
    DISCHARGED = "DISC"
    GATE_OUT = "GTOT"

    @property
    def at_origin(self) -> bool:
        """True for events at the leg's origin (departure side)."""
        return self in (EventCode.DEPARTED, EventCode.GATE_IN, EventCode.LOADED)

    @property
    def transport(self) -> bool:
        """True for transport (vehicle) events, False for equipment (box) events."""
        return self in (EventCode.DEPARTED, EventCode.ARRIVED)


@dataclass(frozen=True, slots=True)
class PlannedLeg:
    """One leg of a booked itinerary as planned."""

    seq: int
    leg_id: str
    service: str
    mode: Mode
    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    cutoff: datetime
    clearance_hours: float = 0.0  # customs at the origin before boarding, as quoted


def planned_legs(itinerary: Itinerary) -> list[PlannedLeg]:
    """The itinerary's legs as planned, with the customs time quoted before each ride.

    The hubs are one per ride boarded at a network place, in order; a leg that continues a
    ride clears nothing.
    """
    hubs = list(itinerary.hubs)
    planned = []
    for seq, leg in enumerate(itinerary.legs, start=1):
        clearance = 0.0
        if seq == 1 or itinerary.legs[seq - 2].ride != leg.ride:
            at = next((i for i, hub in enumerate(hubs) if hub.location == leg.origin), None)
            if at is not None:
                clearance = hubs[at].customs_hours
                del hubs[: at + 1]
        planned.append(
            PlannedLeg(
                seq=seq,
                leg_id=leg.leg_id,
                service=leg.service,
                mode=leg.mode,
                origin=leg.origin,
                destination=leg.destination,
                departure=leg.departure,
                arrival=leg.arrival,
                cutoff=leg.cutoff,
                clearance_hours=clearance,
            )
        )
    return planned


@dataclass(frozen=True, slots=True)
class Event:
    """A reported event on leg ``seq`` (1-based) at ``time``."""

    classifier: Classifier
    code: EventCode
    seq: int
    time: datetime
    recorded: datetime  # later reports of the same kind win


@dataclass(frozen=True, slots=True)
class LegEstimate:
    """A leg's estimated times and what they rest on."""

    seq: int
    departure: datetime
    arrival: datetime
    departure_basis: Classifier
    arrival_basis: Classifier
    delay_minutes: int  # estimated arrival against the planned one
    missed_connection: bool
    rebooked_departure: datetime | None  # the next departure taken after a missed connection


@dataclass(frozen=True, slots=True)
class Tracking:
    """The booking's estimate: legs, ETA, delay and missed connections.

    ``after_arrival`` is the time from the vehicle's arrival to the box being available at the
    destination (handling and import clearance), as quoted.
    """

    legs: tuple[LegEstimate, ...]
    after_arrival: timedelta = timedelta(0)

    @property
    def vehicle_eta(self) -> datetime:
        """Estimated arrival of the last vehicle at the destination terminal."""
        return self.legs[-1].arrival

    @property
    def eta(self) -> datetime:
        """When the box is estimated to be available at the destination."""
        return self.vehicle_eta + self.after_arrival

    @property
    def delay_minutes(self) -> int:
        """ETA against the planned arrival."""
        return self.legs[-1].delay_minutes

    @property
    def missed_connections(self) -> tuple[int, ...]:
        """Seqs of legs whose planned departure the box will miss."""
        return tuple(leg.seq for leg in self.legs if leg.missed_connection)


def track(
    network: Network,
    plan: Sequence[PlannedLeg],
    events: Sequence[Event],
    after_arrival: timedelta = timedelta(0),
) -> Tracking:
    """Estimate every leg of ``plan`` from ``events`` (see the module docstring).

    ``after_arrival``: from the last vehicle's arrival to the box being available, as quoted.
    """
    latest: dict[tuple[int, str], Event] = {}
    for event in sorted(events, key=lambda e: (e.recorded, e.time)):
        kind = "departure" if event.code.at_origin else "arrival"
        key = (event.seq, kind)
        held = latest.get(key)
        # an actual report is never displaced by an estimate
        if held is None or _rank(event) >= _rank(held):
            latest[key] = event
    estimates: list[LegEstimate] = []
    for index, leg in enumerate(plan):
        missed = False
        rebooked: datetime | None = None
        departure, departure_basis = leg.departure, Classifier.PLANNED
        if index > 0:
            before, previous = plan[index - 1], estimates[-1]
            if before.service == leg.service:  # aboard: leaves when the vehicle does
                dwell = leg.departure - before.arrival
                departure = max(leg.departure, previous.arrival + dwell)
                departure_basis = previous.arrival_basis
            else:
                handling = _handling(network, before, leg) + timedelta(
                    hours=leg.clearance_hours
                    + network.added_dwell_hours(leg.origin, previous.arrival)
                )
                ready = previous.arrival + handling
                if ready > leg.cutoff:
                    missed = True
                    rebooked = _next_departure(network, leg, ready)
                    departure = rebooked or ready
                    departure_basis = Classifier.ESTIMATED
        reported = latest.get((leg.seq, "departure"))
        if reported is not None and reported.code is EventCode.DEPARTED:
            departure, departure_basis = reported.time, reported.classifier
            # the box is reported aboard: whatever the plan said, it made a departure
            missed = missed and reported.classifier is not Classifier.ACTUAL
        arrival, arrival_basis = departure + (leg.arrival - leg.departure), departure_basis
        reported = latest.get((leg.seq, "arrival"))
        if reported is not None and reported.code is EventCode.ARRIVED:
            arrival, arrival_basis = reported.time, reported.classifier
        estimates.append(
            LegEstimate(
                seq=leg.seq,
                departure=departure,
                arrival=arrival,
                departure_basis=departure_basis,
                arrival_basis=arrival_basis,
                delay_minutes=round((arrival - leg.arrival).total_seconds() / 60),
                missed_connection=missed,
                rebooked_departure=rebooked,
            )
        )
    return Tracking(tuple(estimates), after_arrival)


def _rank(event: Event) -> int:
    return 1 if event.classifier is Classifier.ACTUAL else 0


def _handling(network: Network, before: PlannedLeg, leg: PlannedLeg) -> timedelta:
    location = network.find_location(leg.origin)
    if location is None:
        return timedelta(0)
    return timedelta(hours=location.handling_hours_between(before.mode, leg.mode))


def _next_departure(network: Network, leg: PlannedLeg, ready: datetime) -> datetime | None:
    """The first departure of the leg whose cut-off the box, ready at ``ready``, can make."""
    if leg.leg_id not in network.legs:
        return None
    for departure in network.departures(leg.leg_id, ready, ready + NEXT_DEPARTURE_WINDOW):
        if departure.on_demand or departure.cutoff >= ready:
            return departure.departure if not departure.on_demand else ready
    return None
