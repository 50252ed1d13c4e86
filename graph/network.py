"""The immutable :class:`Network`: locations, service legs, catalogues, closures and a version.

A network is built once (from the data files or by applying a scenario to a base network) and
never changes; every quote and study records its :attr:`Network.version`, the content hash of
everything that can change an answer, so the answer can be reproduced.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

from graph.digest import FeatureText, digest
from graph.emissions import EmissionFactors
from graph.errors import UnknownLocation, UnknownService, UnknownServiceLeg
from graph.geo import geodesic_km
from graph.model import (
    City,
    Closure,
    Congestion,
    Departure,
    Location,
    LocationKind,
    Mode,
    ServiceLeg,
)
from graph.schedule import DepartureIndex, from_minutes, to_minutes
from graph.sources import Source
from graph.tariffs import TariffCatalogue

TAG_PREFIX = "tag:"


class Network:
    """A validated, read-only corridor network.

    Build one with :func:`graph.io.load_network` or :func:`graph.scenario.apply_scenario`;
    the constructor assumes its inputs were validated.

    Examples
    --------
    >>> network = load_network("data/network.geojson")  # doctest: +SKIP
    >>> network.get_location("CNQZH").kind  # doctest: +SKIP
    <LocationKind.SEAPORT: 'seaport'>
    """

    def __init__(
        self,
        *,
        locations: Mapping[str, Location],
        legs: Mapping[str, ServiceLeg],
        tariffs: TariffCatalogue,
        emission_factors: EmissionFactors,
        sources: Mapping[str, Source],
        closures: Iterable[Closure] = (),
        congestion: Iterable[Congestion] = (),
    ) -> None:
        self._locations: Mapping[str, Location] = MappingProxyType(dict(locations))
        self._legs: Mapping[str, ServiceLeg] = MappingProxyType(dict(legs))
        self.tariffs = tariffs
        self.emission_factors = emission_factors
        self.sources: Mapping[str, Source] = MappingProxyType(dict(sources))
        self._closures: tuple[Closure, ...] = tuple(sorted(closures))
        self._congestion: tuple[Congestion, ...] = tuple(sorted(congestion))

        services: dict[str, list[ServiceLeg]] = defaultdict(list)
        outgoing: dict[str, list[str]] = defaultdict(list)
        incoming: dict[str, list[str]] = defaultdict(list)
        for leg in self._legs.values():
            services[leg.service].append(leg)
            outgoing[leg.origin].append(leg.id)
            incoming[leg.destination].append(leg.id)
        self._services: Mapping[str, tuple[ServiceLeg, ...]] = MappingProxyType(
            {sid: tuple(sorted(ls, key=lambda leg: leg.seq)) for sid, ls in services.items()}
        )
        self._outgoing: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {origin: tuple(sorted(ids)) for origin, ids in outgoing.items()}
        )
        self._incoming: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {destination: tuple(sorted(ids)) for destination, ids in incoming.items()}
        )
        by_target: dict[str, list[Closure]] = defaultdict(list)
        for closure in self._closures:
            by_target[closure.target].append(closure)
        self._closures_by_target: Mapping[str, tuple[Closure, ...]] = MappingProxyType(
            {target: tuple(cs) for target, cs in by_target.items()}
        )
        self._digest = self._content_digest()
        self._sealed = True

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_sealed", False):
            msg = f"a Network is immutable; apply a scenario instead of setting {name!r}"
            raise AttributeError(msg)
        object.__setattr__(self, name, value)

    def __getstate__(self) -> dict[str, object]:
        """What a pickle of the network holds (graph.kept): not the views built on first use."""
        return {name: value for name, value in vars(self).items() if name not in _VIEWS}

    # ------------------------------------------------------------------ identity
    @property
    def version(self) -> str:
        """The content hash (16 hex digits) that every quote and study records."""
        return self._digest[:16]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Network) and other._digest == self._digest

    def __hash__(self) -> int:
        return hash(self._digest)

    def __repr__(self) -> str:
        return (
            f"Network(version={self.version}, locations={len(self._locations)}, "
            f"legs={len(self._legs)}, services={len(self._services)})"
        )

    # ------------------------------------------------------------------ locations
    @property
    def locations(self) -> Mapping[str, Location]:
        """Every location by id."""
        return self._locations

    def get_location(self, location_id: str) -> Location:
        """The location with ``location_id``; raises :class:`UnknownLocation`."""
        try:
            return self._locations[location_id]
        except KeyError as err:
            raise UnknownLocation(location_id) from err

    def find_location(self, location_id: str) -> Location | None:
        """The location with ``location_id``, or ``None``."""
        return self._locations.get(location_id)

    def list_locations(self) -> list[Location]:
        """Every location, ordered by id."""
        return [self._locations[key] for key in sorted(self._locations)]

    def tz_near(self, lon: float, lat: float) -> str:
        """The time zone of a point: that of the nearest location.

        A door point is trucked to or from a terminal nearby; a national border between the
        point and that terminal is not modelled (no boundaries in the data).
        """
        nearest = min(
            self._locations.values(),
            key=lambda location: (
                geodesic_km([(lon, lat), (location.lon, location.lat)]),
                location.id,
            ),
            default=None,
        )
        return nearest.tz if nearest is not None else "UTC"

    # ------------------------------------------------------------------ cities
    @cached_property
    def cities(self) -> Mapping[str, City]:
        """Every city by code; a location without a city is a city of its own."""
        found: dict[str, City] = {}
        for location in self.list_locations():
            code = location.city_code
            if code not in found:
                found[code] = location.city or City(code, location.name, location.name_zh)
        return MappingProxyType(found)

    @cached_property
    def terminals(self) -> Mapping[str, tuple[str, ...]]:
        """The ids of each city's locations, by city code, ordered by id."""
        by_city: dict[str, list[str]] = defaultdict(list)
        for location in self.list_locations():
            by_city[location.city_code].append(location.id)
        return MappingProxyType({code: tuple(ids) for code, ids in by_city.items()})

    def city_of(self, location_id: str) -> str:
        """The code of the city of ``location_id`` (the id itself for a point's virtual end)."""
        location = self._locations.get(location_id)
        return location.city_code if location is not None else location_id

    def place(self, text: str) -> Location | City | None:
        """The location or city a forwarder means by ``text``, or ``None``.

        In order, ignoring case, accents, apostrophes and hyphens: a location id (a terminal
        picks itself);
        a city's UN/LOCODE or one of its aliases; a location's own UN/LOCODE; a city's English
        or Chinese name; a location's English or Chinese name.
        """
        return self._places.get(_folded(text))

    @cached_property
    def _places(self) -> Mapping[str, Location | City]:
        places: dict[str, Location | City] = {}
        locations = self.list_locations()
        cities = sorted(self.cities.values(), key=lambda city: city.code)

        def add(key: str | None, place: Location | City) -> None:
            if key:
                places.setdefault(_folded(key), place)

        for location in locations:
            add(location.id, location)
        for city in cities:
            add(city.code, city)
            for alias in city.aliases:
                add(alias, city)
        for location in locations:
            add(location.unlocode, location)
        for city in cities:
            add(city.name, city)
            add(city.name_zh, city)
        for location in locations:
            add(location.name, location)
            add(location.name_zh, location)
        return MappingProxyType(places)

    # ------------------------------------------------------------------ legs and services
    @property
    def legs(self) -> Mapping[str, ServiceLeg]:
        """Every service leg by id."""
        return self._legs

    def get_leg(self, leg_id: str) -> ServiceLeg:
        """The leg with ``leg_id``; raises :class:`UnknownServiceLeg`."""
        try:
            return self._legs[leg_id]
        except KeyError as err:
            raise UnknownServiceLeg(leg_id) from err

    @property
    def services(self) -> Mapping[str, tuple[ServiceLeg, ...]]:
        """Every service's legs in calling order, by service id."""
        return self._services

    def service_legs(self, service_id: str) -> tuple[ServiceLeg, ...]:
        """The legs of one service in calling order; raises :class:`UnknownService`."""
        try:
            return self._services[service_id]
        except KeyError as err:
            raise UnknownService(service_id) from err

    def next_leg(self, leg: ServiceLeg) -> ServiceLeg | None:
        """The leg a box staying aboard continues on, or ``None`` at the end of the service."""
        legs = self._services[leg.service]
        return legs[leg.seq] if leg.seq < len(legs) else None

    def drives_on(self, arriving: ServiceLeg, leaving: ServiceLeg) -> bool:
        """Whether a truck on ``arriving`` drives on over ``leaving``: one trip, no transfer.

        Two on-demand road legs of different services that meet at a place that is not a border
        crossing: the truck passes through, the box stays on it. At a crossing the box changes
        truck (the two countries' trucks transload there); a scheduled road service is boarded
        like any other.
        """
        return (
            arriving.mode is Mode.ROAD
            and leaving.mode is Mode.ROAD
            and arriving.timetable.continuous
            and leaving.timetable.continuous
            and arriving.service != leaving.service
            and arriving.destination == leaving.origin
            and self._locations[leaving.origin].kind is not LocationKind.BORDER_CROSSING
        )

    def legs_from(self, location_id: str) -> tuple[ServiceLeg, ...]:
        """Legs leaving ``location_id`` (operating or not), ordered by id."""
        return tuple(self._legs[i] for i in self._outgoing.get(location_id, ()))

    def previous_leg(self, leg: ServiceLeg) -> ServiceLeg | None:
        """The leg of the same service before ``leg``, or ``None`` at its first call."""
        return self._services[leg.service][leg.seq - 2] if leg.seq > 1 else None

    def legs_into(self, location_id: str) -> tuple[ServiceLeg, ...]:
        """Legs arriving at ``location_id`` (operating or not), ordered by id."""
        return tuple(self._legs[i] for i in self._incoming.get(location_id, ()))

    def legs_tagged(self, tag: str) -> tuple[ServiceLeg, ...]:
        """Legs carrying ``tag``, ordered by id."""
        return tuple(self._legs[key] for key in sorted(self._legs) if tag in self._legs[key].tags)

    # ------------------------------------------------------------------ schedules
    @property
    def closures(self) -> tuple[Closure, ...]:
        """Time windows in which a location, service, leg or tag is closed."""
        return self._closures

    @property
    def congestion(self) -> tuple[Congestion, ...]:
        """Time windows in which a location (or tag) holds boxes longer."""
        return self._congestion

    def added_dwell_hours(self, location_id: str, instant: datetime) -> float:
        """Extra hours a box arriving at the location at ``instant`` waits there (0 if none).

        A box waits a window's ``hours`` but not past its end (the queue is gone then), so
        arriving later never means leaving earlier — searches that keep the earliest arrival
        at a place stay exact. Overlapping windows do not add up: the longest wait applies.
        """
        if not self._congestion:
            return 0.0
        location = self._locations.get(location_id)
        targets = {location_id, *(TAG_PREFIX + tag for tag in (location.tags if location else ()))}
        return max(
            (
                min(c.hours, (c.end - instant).total_seconds() / 3600)
                for c in self._congestion
                if c.target in targets and c.covers(instant)
            ),
            default=0.0,
        )

    def is_operating(self, leg: ServiceLeg) -> bool:
        """True when the leg runs (active, enabled, both ends enabled), closures aside."""
        return (
            leg.operating
            and self._locations[leg.origin].enabled
            and self._locations[leg.destination].enabled
        )

    def departures(self, leg_id: str, start: datetime, end: datetime) -> list[Departure]:
        """Departures of a leg in ``[start, end)`` (UTC instants), in order.

        Weekly patterns are read in the local time of the leg's origin. Departures outside the
        leg's validity dates, or whose departure or arrival falls in a closure of the leg, its
        service, one of its tags or an endpoint, are left out. A continuous (road) leg has one
        on-demand departure: at ``start``, or when the closures stopping it end.

        Raises
        ------
        UnknownServiceLeg
            If there is no such leg.
        ValueError
            If ``start`` or ``end`` is naive.
        """
        leg = self.get_leg(leg_id)
        first, last = to_minutes(start), to_minutes(end)
        if leg.timetable.continuous:
            slots = list(self.departure_index.boardable(leg_id, first, last))
        else:
            slots = list(self.departure_index.slots(leg_id, first, last))
        return [
            Departure(
                leg_id=leg.id,
                service=leg.service,
                departure=from_minutes(slot.departure),
                arrival=from_minutes(slot.arrival),
                cutoff=from_minutes(slot.cutoff),
                capacity_teu=leg.capacity_teu,
                on_demand=leg.timetable.continuous,
            )
            for slot in slots
        ]

    def with_reference_rate(self, currency: str, cny_per_unit: float, on: date) -> Network:
        """A copy that prices ``currency`` at ``cny_per_unit`` CNY from ``on`` (a new version)."""
        rates = self.tariffs.rates
        catalogue = replace(
            self.tariffs,
            rates=replace(
                rates,
                cny_per_unit=MappingProxyType({**rates.cny_per_unit, currency: cny_per_unit}),
                date=on,
                source=(f"reference rate {currency} set by configuration",),
            ),
        )
        return Network(
            locations=self._locations,
            legs=self._legs,
            tariffs=catalogue,
            emission_factors=self.emission_factors,
            sources=self.sources,
            closures=self._closures,
            congestion=self._congestion,
        )

    @cached_property
    def departure_index(self) -> DepartureIndex:
        """Departures in integer minutes for searches, expanded per week on first use."""
        return DepartureIndex(self)

    def closed(self, leg: ServiceLeg, departure: datetime, arrival: datetime) -> bool:
        """True when a closure stops this leg departing at ``departure``/arriving at ``arrival``."""
        if not self._closures:
            return False
        targets = (leg.id, leg.service, *(TAG_PREFIX + tag for tag in leg.tags))
        for target in targets:
            if any(c.covers(departure) for c in self._closures_by_target.get(target, ())):
                return True
        return self.location_closed(leg.origin, departure) or self.location_closed(
            leg.destination, arrival
        )

    def closures_for(self, leg: ServiceLeg) -> tuple[Closure, ...]:
        """Closures that can stop ``leg``: of it, its service, its tags, or either endpoint."""
        targets = [leg.id, leg.service, *(TAG_PREFIX + tag for tag in leg.tags)]
        for end in (leg.origin, leg.destination):
            targets += [end, *(TAG_PREFIX + tag for tag in self._locations[end].tags)]
        return tuple(c for t in dict.fromkeys(targets) for c in self._closures_by_target.get(t, ()))

    def location_closed(self, location_id: str, instant: datetime) -> bool:
        """True when the location (by id or one of its tags) is closed at ``instant``."""
        location = self._locations[location_id]
        targets = (location_id, *(TAG_PREFIX + tag for tag in location.tags))
        return any(c.covers(instant) for t in targets for c in self._closures_by_target.get(t, ()))

    # ------------------------------------------------------------------ views
    @cached_property
    def graph(self) -> nx.MultiDiGraph[str]:
        """A frozen networkx view: a node per location, an edge per leg keyed by leg id."""
        import networkx as nx  # for graph analysis only; quotes do not need it

        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(version=self.version)
        for location in self._locations.values():
            graph.add_node(location.id, location=location)
        for leg in self._legs.values():
            graph.add_edge(
                leg.origin,
                leg.destination,
                key=leg.id,
                leg=leg,
                mode=leg.mode.value,
                distance_km=leg.distance_km,
                transit_hours=leg.transit_hours,
            )
        frozen: nx.MultiDiGraph[str] = nx.freeze(graph)
        return frozen

    def to_data(self) -> dict[str, Any]:
        """Everything that defines the network, as plain data (what :attr:`version` hashes)."""
        return {
            "locations": [
                {**loc.to_data(), "coordinates": [loc.lon, loc.lat]}
                for loc in sorted(self._locations.values(), key=lambda loc: loc.id)
            ],
            "legs": [
                {**leg.to_data(), "coordinates": [list(p) for p in leg.geometry]}
                for leg in sorted(self._legs.values(), key=lambda leg: leg.id)
            ],
            **self._catalogue_data(),
        }

    def _catalogue_data(self) -> dict[str, Any]:
        """What :meth:`to_data` holds besides the locations and legs."""
        return {
            "closures": [closure.to_data() for closure in self._closures],
            **({"congestion": [c.to_data() for c in self._congestion]} if self._congestion else {}),
            "tariffs": self.tariffs.to_data(),
            "emission_factors": self.emission_factors.to_data(),
            "sources": {key: self.sources[key].to_data() for key in sorted(self.sources)},
        }

    def _content_digest(self) -> str:
        """SHA-256 of :meth:`to_data` as canonical JSON, streamed feature by feature."""
        text = FeatureText()
        locations = sorted(self._locations.values(), key=lambda loc: loc.id)
        legs = sorted(self._legs.values(), key=lambda leg: leg.id)
        return digest(
            self._catalogue_data(),
            {
                "locations": map(text.location, locations),
                "legs": map(text.leg, legs),
            },
        )


#: The attributes a :class:`Network` computes on first use (``cached_property``).
_VIEWS = frozenset(
    name for name, value in vars(Network).items() if isinstance(value, cached_property)
)

_UNACCENTED = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"})


def _folded(text: str) -> str:
    """A place name or code as looked up: as a forwarder may type it on any keyboard.

    Case, accents (Łódź = Lodz, Lào Cai = Lao Cai), apostrophes (Xi'an = Xian), hyphens and
    extra spaces are ignored.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNACCENTED))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("\u2019", "").replace("-", " ")
    return " ".join(plain.split()).casefold()
