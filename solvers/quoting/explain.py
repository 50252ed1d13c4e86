"""Why a quote has no option: each cause found by relaxing one restriction at a time."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from graph import CargoClass, Network
from graph.schedule import from_minutes
from graph.timetable import zone
from solvers.cargo import Cargo
from solvers.quoting.drayage import ORIGIN
from solvers.quoting.model import QuoteModel, endpoint_tz
from solvers.quoting.search import pareto_search
from solvers.types import Filters, QuoteRequest


@dataclass(frozen=True, slots=True)
class Reason:
    """One cause: a stable code, words for people, and the figure that helps (if any)."""

    code: str
    message: str
    earliest_arrival: datetime | None = None
    cheapest_cny: float | None = None
    least_co2e_kg: float | None = None
    fewest_transfers: int | None = None
    most_boxes: int | None = None


def explain(network: Network, request: QuoteRequest) -> tuple[Reason, ...]:
    """The reasons nothing fits ``request``; empty if something does."""
    model = QuoteModel(network, request)
    if pareto_search(model).arrivals:
        return ()
    reasons: list[Reason] = []
    cargo = request.cargo.cargo_class
    if not any(
        cargo in leg.cargo_classes and network.is_operating(leg) for leg in network.legs.values()
    ):
        return (
            Reason(
                "no-service-for-cargo-class", f"no service in the network carries {cargo} cargo"
            ),
        )
    if not _reachable(model):
        unfiltered = dataclasses.replace(request, filters=Filters())
        if _reachable(QuoteModel(network, unfiltered)):
            reason = Reason(
                "filters-disconnect",
                "the excluded hubs, modes or operators disconnect the origin from the destination",
            )
        elif cargo is not CargoClass.DRY and _reachable(
            QuoteModel(network, dataclasses.replace(unfiltered, cargo=_dry(request.cargo)))
        ):
            reason = Reason(
                "no-service-for-cargo-class",
                f"no way from the origin to the destination takes {cargo} cargo (dry boxes can go)",
            )
        else:
            reason = _too_large(network, request) or Reason(
                "no-connection", "no services connect the origin to the destination"
            )
        return (reason,)
    relaxed = request.without_limits()
    free = pareto_search(QuoteModel(network, relaxed)).arrivals
    if not free:
        here = zone(endpoint_tz(network, request.origin))
        horizon_end = (request.ready + request.horizon).astimezone(here)
        reasons.append(
            Reason(
                "nothing-in-horizon",
                f"no way to the destination departs before {horizon_end.isoformat()} "
                "(the search horizon) with the room and customs the cargo needs",
            )
        )
        if request.capacity:
            unlimited = dataclasses.replace(relaxed, capacity=MappingProxyType({}))
            if pareto_search(QuoteModel(network, unlimited)).arrivals:
                reasons.append(Reason("capacity-exhausted", "every way is full on some departure"))
        return tuple(reasons)
    there = zone(endpoint_tz(network, request.destination))
    earliest = min(arrival.time for arrival in free)
    cheapest = min(arrival.price for arrival in free)
    greenest = min(arrival.co2 for arrival in free)
    fewest = min(len(arrival.rides) for arrival in free) - 1
    if request.deadline is not None and from_minutes(earliest) > request.deadline:
        first = from_minutes(earliest).astimezone(there)
        reasons.append(
            Reason(
                "deadline-too-early",
                f"the earliest possible arrival is {first.isoformat()}",
                earliest_arrival=first,
            )
        )
    if request.max_price_cny is not None and cheapest / 100 > request.max_price_cny:
        reasons.append(
            Reason(
                "budget-too-low",
                f"the cheapest option costs {cheapest / 100:,.2f} CNY",
                cheapest_cny=cheapest / 100,
            )
        )
    if request.max_co2e_kg is not None and greenest / 1000 > request.max_co2e_kg:
        reasons.append(
            Reason(
                "co2e-cap-too-low",
                f"the least CO2e possible is {greenest / 1000:,.1f} kg",
                least_co2e_kg=greenest / 1000,
            )
        )
    if request.filters.max_transfers is not None and fewest > request.filters.max_transfers:
        reasons.append(
            Reason(
                "too-few-transfers",
                f"every way needs at least {fewest} transfers",
                fewest_transfers=fewest,
            )
        )
    if not reasons:
        reasons.append(
            Reason(
                "constraints-combined",
                "each restriction alone can be met but not all together (deadline, budget, "
                "CO2e cap, transfers, required hubs)",
            )
        )
    return tuple(reasons)


def _too_large(network: Network, request: QuoteRequest) -> Reason | None:
    """Whether the boxes would go in fewer at a time: the most that can, and when they arrive.

    Every leg carries at most its capacity per departure, so a shipment larger than every way's
    smallest departure has no way at all, though its boxes could travel in parts.
    """
    cargo = request.cargo
    if cargo.count <= 1:
        return None
    one = dataclasses.replace(request, cargo=dataclasses.replace(cargo, count=1))
    if not _reachable(QuoteModel(network, one)):
        return None
    low, high = 1, cargo.count - 1  # the largest count that still has a way (binary search)
    while low < high:
        middle = (low + high + 1) // 2
        fewer = dataclasses.replace(request, cargo=dataclasses.replace(cargo, count=middle))
        if _reachable(QuoteModel(network, fewer)):
            low = middle
        else:
            high = middle - 1
    most = dataclasses.replace(
        request.without_limits(), cargo=dataclasses.replace(cargo, count=low)
    )
    arrivals = pareto_search(QuoteModel(network, most)).arrivals
    there = zone(endpoint_tz(network, request.destination))
    earliest = from_minutes(min(a.time for a in arrivals)).astimezone(there) if arrivals else None
    when = f", the first of them arriving {earliest.isoformat()}" if earliest else ""
    return Reason(
        "shipment-too-large",
        f"no way carries {cargo.count} boxes ({cargo.teu:g} TEU) on one departure: at most "
        f"{low} of these boxes travel together{when}; split the shipment",
        earliest_arrival=earliest,
        most_boxes=low,
    )


def _dry(cargo: Cargo) -> Cargo:
    """Dry boxes of the same size (one 40 ft box in place of bulk): only to test reachability."""
    if cargo.size_type is None:
        return Cargo(CargoClass.DRY, "42G1")
    return Cargo(CargoClass.DRY, cargo.size_type[:2] + "G1", cargo.count, cargo.gross_weight_t)


def _reachable(model: QuoteModel) -> bool:
    """Whether allowed rides link the origin to the destination at all, ignoring time.

    The model's static lower bounds exist exactly for the locations that can reach it.
    """
    if model.origins == (ORIGIN,):
        return any(
            model.remaining(ride.alight) is not None
            for ride in model.drayage.first_mile_rides(model.ready)
        )
    return any(model.remaining(origin) is not None for origin in model.origins)
