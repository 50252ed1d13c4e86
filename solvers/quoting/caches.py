"""What quotes on one network share, so a running service pays for each part once.

Five levels, each kept per network (weakly: a network dropped after a reload takes its caches
with it): what the timetable alone says of a boarding, whatever the request (:class:`Voyages`);
prices, emissions and handling times per cargo (:class:`Costs`); the network as one cargo and
one set of filters allow it, whatever the endpoints (:class:`Allowed`); ride templates and
passages per cargo, filters and pair of countries (:class:`Templates`: the endpoints decide a
template only through the countries customs and passages read); lower bounds per request shape
(:class:`Routes`). The last two drop their least recently used key first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakKeyDictionary

from graph import Mode, Network, ServiceLeg
from graph.schedule import Slot
from solvers.cargo import Cargo
from solvers.emissions import Emitter
from solvers.pricing import Pricer
from solvers.types import Endpoint, Filters, QuoteRequest

if TYPE_CHECKING:
    from solvers.quoting.customs import Clearance
    from solvers.quoting.passages import Passage
    from solvers.quoting.rides import Group

T = TypeVar("T")

#: A ride or passage as a lower-bound edge: (boarding place, minutes, fen, grams).
BoundEdge = tuple[str, int, int, int]
#: Lower bounds (minutes, fen, grams) from each place to a destination.
Bounds = Mapping[str, tuple[int, int, int]]


@dataclass(slots=True)
class Voyages:
    """What a boarding leads to on the timetable alone, the same for every quote on a network.

    By (leg, departure): that departure and, for each following leg of its service, the first
    departure at or after the box's arrival on the one before, as long as it leaves within
    ``MAX_HORIZON`` of the boarding. By (onward leg, arrival at a port of transshipment): when
    the box is ready for the onward leg after the port's sea-to-sea handling (and any
    congestion then) and the leg's first departure whose cut-off it makes, within
    ``MAX_HORIZON`` of that. A quote cuts a voyage to its chain, horizon, deadline and free
    capacity, each of which only shortens it.
    """

    walks: dict[tuple[str, int], tuple[Slot, ...]] = field(default_factory=dict)
    connections: dict[tuple[str, int], tuple[int, Slot | None]] = field(default_factory=dict)


@dataclass(slots=True)
class Costs:
    """Memoised prices, emissions and handling times for one network and one cargo."""

    pricer: Pricer
    emitter: Emitter
    handling: dict[tuple[str, Mode | None, Mode | None], int] = field(default_factory=dict)
    starts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # validity periods by tz
    #: a ride's freight and handling per validity period, CO2e and minutes aboard, by
    #: (boarding place, its legs, legs aboard the first ship): what a template costs before
    #: clearance, the same whatever the countries, filters or endpoints of the quote
    rides: dict[tuple[str, tuple[str, ...], int], tuple[tuple[int, ...], int, int]] = field(
        default_factory=dict
    )
    #: a clearance's fees per validity period; the key holds what decides them (its countries
    #: and fee codes), so quotes between other countries that clear alike share them
    fees: dict[Clearance, tuple[int, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class Templates:
    """Memoised ride templates and passages for one cargo, set of filters and pair of countries.

    A template's price, CO2e, clearances and required-hub bits depend on the cargo, the filters,
    the network and, through customs and the passages an export may take, on the countries of
    origin and destination only: quotes between any places of the same two countries share them.
    By (leg, boarding phase): the templates grouped by clearance; by (place, arriving mode,
    phase): the allowed legs with their handling and groups; by leg: its sea passages.
    """

    groups: dict[tuple[str, int], tuple[Group, ...]] = field(default_factory=dict)
    boardings: dict[
        tuple[str, Mode | None, int], tuple[tuple[ServiceLeg, int, tuple[Group, ...]], ...]
    ] = field(default_factory=dict)
    passages: dict[str, tuple[Passage, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class Routes:
    """Memoised lower bounds for one request shape."""

    values: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Allowed:
    """The network as one cargo and one set of filters allow it, whatever the endpoints.

    Each part is found when a quote first reaches it and kept for the next: whether each leg is
    allowed, the allowed legs by origin, the sea legs that reach each seaport, chains, truck
    trips by boarding leg and by the place they end at, transshipments, sea passages and their
    lower-bound values by boarding leg, where the sea legs from each port go and the shortest sea
    distances from it (passages are held to them), the rides and passages alighting at each
    place as lower-bound edges, and the lower bounds to each terminal or city already asked for.
    Only data: nothing here refers to the network (its key in ``_ALLOWED``).
    """

    legs: dict[str, bool] = field(default_factory=dict)
    legs_from: dict[str, tuple[ServiceLeg, ...]] = field(default_factory=dict)
    sea_boardings: dict[str, tuple[ServiceLeg, ...]] = field(default_factory=dict)
    chains: dict[str, tuple[ServiceLeg, ...]] = field(default_factory=dict)
    trips: dict[str, tuple[tuple[ServiceLeg, ...], ...]] = field(default_factory=dict)
    trips_into: dict[str, tuple[tuple[ServiceLeg, ...], ...]] = field(default_factory=dict)
    joins: dict[str, tuple[tuple[int, ServiceLeg], ...]] = field(default_factory=dict)
    passages: dict[str, tuple[Passage, ...]] = field(default_factory=dict)
    passage_bounds: dict[str, Bounds] = field(default_factory=dict)
    sailings: dict[str, tuple[tuple[str, float, None], ...]] = field(default_factory=dict)
    sea_km: dict[str, Mapping[str, float]] = field(default_factory=dict)
    edges_into: dict[str, tuple[BoundEdge, ...]] = field(default_factory=dict)
    bounds_to: dict[Endpoint, Bounds] = field(default_factory=dict)


_VOYAGES: WeakKeyDictionary[Network, Voyages] = WeakKeyDictionary()
#: Boardings kept per network before its voyages are forgotten and found again (dates move on).
_VOYAGES_PER_NETWORK = 200_000  # about 43 MB (~215 bytes an entry)
_COSTS: WeakKeyDictionary[Network, dict[Cargo, Costs]] = WeakKeyDictionary()
_ROUTES: WeakKeyDictionary[Network, OrderedDict[tuple[Any, ...], Routes]] = WeakKeyDictionary()
_ROUTES_PER_NETWORK = 256
_TEMPLATES: WeakKeyDictionary[Network, OrderedDict[tuple[Any, ...], Templates]] = (
    WeakKeyDictionary()
)
_TEMPLATES_PER_NETWORK = 256
_ALLOWED: WeakKeyDictionary[Network, dict[tuple[Cargo, Filters], Allowed]] = WeakKeyDictionary()


def allowed(network: Network, cargo: Cargo, filters: Filters) -> Allowed:
    """What quotes of one cargo under one set of filters share on ``network``."""
    return _ALLOWED.setdefault(network, {}).setdefault((cargo, filters), Allowed())


def voyages(network: Network) -> Voyages:
    """What every quote on ``network`` shares of its timetable (emptied when it grows too big)."""
    found = _VOYAGES.get(network)
    if found is None or len(found.walks) + len(found.connections) > _VOYAGES_PER_NETWORK:
        found = _VOYAGES[network] = Voyages()
    return found


def costs(network: Network, cargo: Cargo) -> Costs:
    """Prices and emissions depend only on the network and the cargo: quotes share them."""
    per_network = _COSTS.setdefault(network, {})
    found = per_network.get(cargo)
    if found is None:
        payload = network.emission_factors.payload_t_per_teu
        found = Costs(
            Pricer(network.tariffs, cargo, payload), Emitter(network.emission_factors, cargo)
        )
        per_network[cargo] = found
    return found


def pricer_for(network: Network, cargo: Cargo) -> Pricer:
    """The pricer quotes on ``network`` use for ``cargo`` (shared and memoised).

    ``.on(day)`` gives the one for a departure day.
    """
    return costs(network, cargo).pricer


def routes(network: Network, request: QuoteRequest) -> Routes:
    """Bounds shared by quotes of the same shape.

    They depend on cargo, filters and endpoints only, not on the date, deadline or capacity;
    the least recently used shape goes first.
    """
    key = (request.cargo, request.filters, request.origin, request.destination)
    return _recent(_ROUTES.setdefault(network, OrderedDict()), key, Routes, _ROUTES_PER_NETWORK)


def ride_templates(
    network: Network, cargo: Cargo, filters: Filters, home: str, abroad: str
) -> Templates:
    """Ride templates and passages shared by quotes of one cargo and filters between two countries.

    Not by date, deadline or capacity: those decide which departures a template takes, not the
    template. The least recently used key goes first.
    """
    key = (cargo, filters, home, abroad)
    per_network = _TEMPLATES.setdefault(network, OrderedDict())
    return _recent(per_network, key, Templates, _TEMPLATES_PER_NETWORK)


def _recent(
    per_network: OrderedDict[tuple[Any, ...], T], key: tuple[Any, ...], make: type[T], most: int
) -> T:
    """The value of ``key``, made if new; the least recently used beyond ``most`` dropped."""
    found = per_network.get(key)
    if found is None:
        found = per_network[key] = make()
        if len(per_network) > most:
            per_network.popitem(last=False)
    else:
        per_network.move_to_end(key)
    return found


def clear() -> None:
    """Forget everything quotes share (a benchmark's cold start)."""
    _VOYAGES.clear()
    _COSTS.clear()
    _ROUTES.clear()
    _TEMPLATES.clear()
    _ALLOWED.clear()
