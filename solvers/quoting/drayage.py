"""First- and last-mile trucks between a door point and the locations within its reach.

A quote from or to a point (latitude, longitude) starts or ends at a virtual place, ``ORIGIN``
or ``DESTINATION``, that only trucks reach: on the terms of the network's own road legs (their
median speed, the first one's tariff and emission class), priced like any ride.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Iterator
from statistics import median
from typing import TYPE_CHECKING

from graph import CargoClass, Location, Mode, Network, ServiceLeg, Status, Timetable
from graph.geo import geodesic_km
from graph.schedule import Slot, hours_to_minutes
from solvers.pricing import total_fen
from solvers.quoting.caches import BoundEdge
from solvers.quoting.customs import CLEARED
from solvers.quoting.rides import Ride, RideTemplate
from solvers.types import Endpoint

if TYPE_CHECKING:
    from solvers.quoting.model import QuoteModel

ORIGIN, DESTINATION = "@ORIGIN", "@DESTINATION"
#: The locations a point reaches by truck, with the kilometres, nearest first.
Reach = tuple[tuple[Location, float], ...]


def truck_terms(network: Network) -> ServiceLeg | None:
    """A template for first- and last-mile trucks: the network's own road legs' terms."""
    roads = [leg for leg in network.legs.values() if leg.mode is Mode.ROAD]
    if not roads:
        return None
    speed = median(leg.distance_km / leg.transit_hours for leg in roads)
    template = min(roads, key=lambda leg: leg.id)
    return ServiceLeg(
        id="DRAYAGE",
        service="DRAYAGE",
        seq=1,
        mode=Mode.ROAD,
        operator="first/last-mile trucking",
        origin="",
        destination="",
        timetable=Timetable(continuous=True),
        transit_hours=1.0 / speed,  # per km; scaled per trip
        cutoff_hours=0.0,
        distance_km=1.0,
        capacity_teu=None,
        cargo_classes=frozenset(CargoClass),
        status=Status.ACTIVE,
        geometry=((0.0, 0.0), (0.0, 0.0)),
        emission_class=template.emission_class,
        tariff=template.tariff,
    )


def point_of(endpoint: Endpoint) -> tuple[float, float]:
    """The (longitude, latitude) of a point endpoint."""
    assert endpoint.lat is not None
    assert endpoint.lon is not None
    return (endpoint.lon, endpoint.lat)


class Drayage:
    """The trucks of one quote: from its point origin, to its point destination."""

    def __init__(self, model: QuoteModel, first_mile: Reach, last_mile: Reach) -> None:
        # the model owns its trucks: a strong reference back would make each model a cycle,
        # left with everything it memoised (about a thousand objects a quote) to the cyclic
        # collector, whose passes cost about 1 ms of CPU a quote; by weak reference a model
        # is freed when its quote returns
        self.model: QuoteModel = weakref.proxy(model)
        self.first_mile = first_mile
        self.last_mile = last_mile

    def first_mile_rides(self, time: int) -> Iterator[Ride]:
        """Trucks from a point origin to each location within reach (if road is allowed)."""
        model = self.model
        if Mode.ROAD not in model.request.filters.modes:
            return
        for location, km in self.first_mile:
            truck = self._truck(ORIGIN, location.id, km, point_of(model.request.origin))
            yield self._truck_ride(truck, ORIGIN, location.id, time, model.start_phase)

    def last_mile_rides(
        self, location: str, time: int, arriving: Mode | None, phase: int
    ) -> Iterator[Ride]:
        """A truck from ``location`` to a point destination, if it is within reach."""
        model = self.model
        if Mode.ROAD not in model.request.filters.modes or phase != CLEARED:
            return
        for candidate, km in self.last_mile:
            if candidate.id != location:
                continue
            truck = self._truck(location, DESTINATION, km, point_of(model.request.destination))
            ready = time + model.handling(location, arriving, Mode.ROAD, time)
            ride = self._truck_ride(truck, location, DESTINATION, ready, phase)
            if ride.available <= model.deadline:
                yield ride

    def last_mile_edges(self) -> list[BoundEdge]:
        """The last-mile trucks as lower-bound edges (cheapest validity period)."""
        model = self.model
        edges: list[BoundEdge] = []
        for candidate, km in self.last_mile:
            truck = self._truck(candidate.id, DESTINATION, km, point_of(model.request.destination))
            price = min(
                model.ride_fen((truck,), candidate.id, DESTINATION, pricer)
                + total_fen(pricer.handling(candidate, Mode.ROAD))
                for pricer in model.pricers
            )
            co2 = model.emitter.leg_g(truck) + model.emitter.hub_g(candidate)
            edges.append((candidate.id, hours_to_minutes(truck.transit_hours), price, co2))
        return edges

    def _truck(
        self, origin: str, destination: str, km: float, point: tuple[float, float]
    ) -> ServiceLeg:
        template = self.model.drayage_terms
        assert template is not None
        locations = self.model.network.locations
        ends = {
            loc: (locations[loc].lon, locations[loc].lat)
            for loc in (origin, destination)
            if loc in locations
        }
        geometry = (ends.get(origin, point), ends.get(destination, point))
        name = "FIRST-MILE" if origin == ORIGIN else "LAST-MILE"
        return ServiceLeg(
            id=f"{name}-{destination if origin == ORIGIN else origin}",
            service=name,
            seq=1,
            mode=Mode.ROAD,
            operator=template.operator,
            origin=origin,
            destination=destination,
            timetable=template.timetable,
            transit_hours=max(km * template.transit_hours, 1 / 60),
            cutoff_hours=0.0,
            distance_km=km,
            capacity_teu=None,
            cargo_classes=template.cargo_classes,
            status=Status.ACTIVE,
            geometry=geometry,
            emission_class=template.emission_class,
            tariff=template.tariff,
        )

    def _truck_ride(
        self, truck: ServiceLeg, board: str, alight: str, ready: int, phase: int
    ) -> Ride:
        """A first- or last-mile truck, priced like any ride.

        Freight, then handling at whichever end is a network location.
        """
        model = self.model
        network = model.network
        transit = hours_to_minutes(truck.transit_hours)
        starts = model.period_starts(board)
        pricer = model.pricers[bisect_right(starts, ready)]
        price = model.ride_fen((truck,), board, alight, pricer)
        co2 = model.emitter.leg_g(truck)
        for end in (board, alight):
            location = network.find_location(end)
            if location is not None:
                price += total_fen(pricer.handling(location, Mode.ROAD))
        start = network.find_location(board)
        if start is not None:
            co2 += model.emitter.hub_g(start)
        template = RideTemplate(
            board=board,
            alight=alight,
            legs=(truck,),
            board_clearance=None,
            alight_clearance=None,
            phase=phase,
            price_fen=price,
            co2e_g=co2,
            visits=(alight,),
            mask=model.mask_of((alight,)),
            enters=model.enters(board, alight),
            minutes=transit,
            starts=starts,  # priced in the period it leaves in: one price
        )
        return Ride(template, (Slot(ready, ready + transit, ready),), ready, ready + transit)


def within_reach(network: Network, endpoint: Endpoint) -> list[tuple[Location, float]]:
    """The enabled locations within a point endpoint's ``max_km``, nearest first."""
    lon, lat = point_of(endpoint)
    reach = []
    for location in network.list_locations():
        km = geodesic_km([(lon, lat), (location.lon, location.lat)])
        if km <= endpoint.max_km and location.enabled:
            reach.append((location, km))
    reach.sort(key=lambda pair: (pair[1], pair[0].id))
    return reach
