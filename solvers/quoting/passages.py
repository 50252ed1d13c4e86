"""Sea passages on one bill of lading, and how far a box may go round by sea.

A ride is also one *sea passage* on one bill of lading: boarding a ship, transshipping once at a
seaport onto another ship and alighting at a call of that one, when the fee catalogue has an
ocean freight for the whole passage (from the port of loading to the port of discharge). It is
charged that one freight, not two; the transshipment's handling is the carrier's (in the through
rate), and the connection needs the port's sea-to-sea handling time before the second ship's
cut-off. The planning studies hold their passages to the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType

from graph import Location, Mode, ServiceLeg
from solvers.paths import shortest_paths
from solvers.pricing import Pricer

#: The shortest way by sea from one port to another, kilometres; ``None`` when there is none.
SeaKm = Callable[[str, str], float | None]
#: Where a port's sea legs go: (next port, kilometres, None) for each, as steps of
#: :func:`~solvers.paths.shortest_paths`.
Sailings = Callable[[str], Sequence[tuple[str, float, None]]]
#: A passage's legs, with how many of them are aboard the first ship.
Passage = tuple[tuple[ServiceLeg, ...], int]
#: A sea passage on one bill of lading goes at most this much further by sea than the shortest
#: way between its ports in the network: a carrier routes a transshipment the way of the cargo
#: (a modelling rule, not a published figure).
PASSAGE_DETOUR = 1.25
#: A box stays aboard one ship for at most this many times the shortest way by sea between where
#: it boards and where it alights (over the network's sea legs): no one books a Nansha –
#: Kaohsiung box round a loop via Durban. A modelling rule; the loops' own legs are published.
RIDE_DETOUR = 3.0
#: The longest a sea passage's box waits at the transshipment port for its second ship, hours.
#: A carrier plans a through bill's hub connection within days; a box that would wait longer
#: goes on another ship or a bill of its own. A modelling rule (no published figure used).
PASSAGE_MAX_WAIT_H = 120


def is_passage(
    board: Location,
    port: Location,
    alight: Location,
    legs: tuple[ServiceLeg, ...],
    aboard: int,
    sea_km: SeaKm,
    pricer: Pricer,
) -> bool:
    """Whether ``legs`` (``aboard`` of them on the first ship) make one sea passage.

    One bill of lading from ``board`` to ``alight``, transshipped at ``port``: in three cities,
    no carrier carrying a box within one country it may not (cabotage), at most
    ``PASSAGE_DETOUR`` times the shortest way by sea, and with a through rate for the port pair
    in the catalogue (a lane item, not only a surcharge every sea ride pays).
    """
    first, onward = legs[0], legs[aboard]
    if port.city_code == board.city_code or alight.city_code in (port.city_code, board.city_code):
        return False
    if not first.carries_domestic and port.country == board.country:
        return False
    if not onward.carries_domestic and alight.country == port.country:
        return False
    km = sum(leg.distance_km for leg in legs)
    if km > PASSAGE_DETOUR * (sea_km(board.id, alight.id) or 0.0):
        return False
    lines = pricer.ride(legs, board.id, alight.id)
    return any(pricer.catalogue.get(line.code).applies_to.lanes for line in lines)


def loops_round(legs: Sequence[ServiceLeg], sea_km: SeaKm) -> bool:
    """Whether staying aboard one ship over ``legs`` is a detour round a loop.

    Over ``RIDE_DETOUR`` times the shortest way by sea from the first call to the last.
    """
    if legs[0].mode is not Mode.SEA:
        return False
    shortest = sea_km(legs[0].origin, legs[-1].destination)
    return shortest is not None and sum(leg.distance_km for leg in legs) > RIDE_DETOUR * shortest


def sea_distances(legs: Iterable[ServiceLeg]) -> SeaKm:
    """Shortest distances by sea between ports over the sea ones of ``legs``.

    Each port's are found when first asked for (:func:`sea_km_from`), so a caller pays only for
    the ports it asks about.
    """
    edges: dict[str, list[tuple[str, float, None]]] = {}
    for leg in legs:
        if leg.mode is Mode.SEA:
            edges.setdefault(leg.origin, []).append((leg.destination, leg.distance_km, None))
    found: dict[str, Mapping[str, float]] = {}

    def sea_km(start: str, end: str) -> float | None:
        distances = found.get(start)
        if distances is None:
            distances = found[start] = sea_km_from(start, lambda port: edges.get(port, ()))
        return distances.get(end)

    return sea_km


def sea_km_from(start: str, sailings: Sailings) -> Mapping[str, float]:
    """Shortest distances by sea from ``start`` to every port it reaches.

    Empty when no sea leg leaves ``start``.
    """
    if not sailings(start):
        return MappingProxyType({})
    return MappingProxyType(shortest_paths({start: 0.0}, sailings).cost)
