"""From a Pareto set to the options a forwarder sees: named, different, explained.

- **cheapest**, **fastest**, **greenest**: the minimum of price, arrival and CO2e (ties broken by
  the other two criteria, then fewer transfers);
- **recommended**: as the request prefers; *balanced* minimises price + value of time x TEU x
  transit hours, with the request's value of time or else the catalogue's default (the cost of a
  day in transit to the cargo's owner); with neither it takes the option closest to the ideal
  point once each criterion is scaled to its range over the Pareto set;
- **one option per corridor**: the options are different corridors (the same boarding,
  alighting and mode per service taken, transshipment ports included); other Pareto-optimal
  itineraries on an option's corridor (another sailing or train) are its ``departures``, each
  with its own id to book and the labels it earns;
- **near-duplicates** are dropped: a corridor within 2 % of a kept option's price, 3 % of its
  CO2e and 12 h of its arrival adds no real choice;
- **binding limits**: given the Pareto set without the request's deadline, budget, CO2e cap and
  transfer cap, a named option says which limits keep a better one out, and by how much.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from solvers.itinerary import Itinerary
from solvers.types import Preference, QuoteRequest

#: Other departures shown per option at most.
MAX_DEPARTURES = 4
PRICE_TOLERANCE = 0.02
CO2E_TOLERANCE = 0.03
TIME_TOLERANCE = timedelta(hours=12)
LABEL_ORDER = ("recommended", "fastest", "cheapest", "greenest")


@dataclass(frozen=True, slots=True)
class Unlimited:
    """An option of the same quote without its limits: what a limit may have ruled out."""

    arrival: datetime
    price_cny: float
    co2e_kg: float
    transfers: int


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a quote."""

    id: str
    itinerary: Itinerary
    labels: tuple[str, ...]
    explanation: tuple[str, ...]
    departures: tuple[Option, ...] = ()  # other departures on the same corridor

    def find(self, option_id: str) -> Option | None:
        """The option itself or one of its departures, by id."""
        if self.id == option_id:
            return self
        return next((d for d in self.departures if d.id == option_id), None)


def option_id(itinerary: Itinerary) -> str:
    """A stable id: the same departures and corridor give the same id."""
    text = "|".join(f"{leg.leg_id}@{leg.departure.isoformat()}" for leg in itinerary.legs)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def options_from(
    pareto: Sequence[Itinerary],
    request: QuoteRequest,
    unlimited: Sequence[Unlimited] = (),
    value_of_time: float | None = None,
) -> list[Option]:
    """Name, deduplicate, order and explain the options of a Pareto set.

    ``unlimited`` is the Pareto set of the request without its limits, if it has any;
    ``value_of_time`` (CNY per TEU-hour) is the default for a balanced request without its own.
    """
    if not pareto:
        return []
    ready = request.ready
    named = {
        "cheapest": min(
            pareto, key=lambda i: (i.price.total_cny, i.arrival, i.emissions.total_kg, i.transfers)
        ),
        "fastest": min(
            pareto, key=lambda i: (i.arrival, i.price.total_cny, i.emissions.total_kg, i.transfers)
        ),
        "greenest": min(
            pareto, key=lambda i: (i.emissions.total_kg, i.arrival, i.price.total_cny, i.transfers)
        ),
    }
    if request.value_of_time_cny_per_teu_hour is not None:
        value_of_time = request.value_of_time_cny_per_teu_hour
    named["recommended"] = _recommended(pareto, request, named, value_of_time)
    kept: dict[tuple[tuple[str, str, str], ...], list[Itinerary]] = {}
    for label in LABEL_ORDER:
        kept.setdefault(named[label].corridor, [])
        if named[label] not in kept[named[label].corridor]:
            kept[named[label].corridor].append(named[label])
    for itinerary in sorted(pareto, key=lambda i: (i.arrival, i.price.total_cny)):
        same = kept.get(itinerary.corridor)
        if same is not None:
            if itinerary not in same and len(same) <= MAX_DEPARTURES:
                same.append(itinerary)
        elif not any(_near(itinerary, other[0]) for other in kept.values()):
            kept[itinerary.corridor] = [itinerary]
    recommended = named["recommended"]

    def option(itinerary: Itinerary, departures: tuple[Option, ...] = ()) -> Option:
        return Option(
            id=option_id(itinerary),
            itinerary=itinerary,
            labels=tuple(label for label in LABEL_ORDER if named[label] is itinerary),
            explanation=_explain(itinerary, recommended, named, request, ready, value_of_time)
            + _binding(itinerary, named, request, unlimited),
            departures=departures,
        )

    return [
        option(first, tuple(option(other) for other in sorted(rest, key=lambda i: i.departure)))
        for first, *rest in kept.values()
    ]


def generalized_cost(
    itinerary: Itinerary, value_of_time: float, teu: float, ready: datetime
) -> float:
    """Price plus the value of the hours from ``ready`` to arrival, in CNY.

    The owner waits for the box whether it waits for its first departure or travels.
    """
    hours = (itinerary.arrival - ready).total_seconds() / 3600
    return itinerary.price.total_cny + value_of_time * teu * hours


def _recommended(
    pareto: Sequence[Itinerary],
    request: QuoteRequest,
    named: dict[str, Itinerary],
    value_of_time: float | None,
) -> Itinerary:
    match request.preference:
        case Preference.CHEAPEST:
            return named["cheapest"]
        case Preference.FASTEST:
            return named["fastest"]
        case Preference.GREENEST:
            return named["greenest"]
    if value_of_time is not None:
        teu = request.cargo.teu or 1.0
        return min(
            pareto,
            key=lambda i: (
                generalized_cost(i, value_of_time, teu, request.ready),
                i.arrival,
                i.emissions.total_kg,
            ),
        )
    criteria = [(i.arrival.timestamp(), i.price.total_cny, i.emissions.total_kg) for i in pareto]
    lows = [min(c[k] for c in criteria) for k in range(3)]
    spans = [max(c[k] for c in criteria) - lows[k] or 1.0 for k in range(3)]

    def distance(index: int) -> float:
        return sum(((criteria[index][k] - lows[k]) / spans[k]) ** 2 for k in range(3))

    best = min(range(len(pareto)), key=lambda index: (distance(index), pareto[index].arrival))
    return pareto[best]


def _near(a: Itinerary, b: Itinerary) -> bool:
    return (
        abs(a.price.total_cny - b.price.total_cny) <= PRICE_TOLERANCE * max(b.price.total_cny, 1.0)
        and abs(a.emissions.total_kg - b.emissions.total_kg)
        <= CO2E_TOLERANCE * max(b.emissions.total_kg, 1.0)
        and abs(a.arrival - b.arrival) <= TIME_TOLERANCE
    )


def _explain(
    itinerary: Itinerary,
    recommended: Itinerary,
    named: dict[str, Itinerary],
    request: QuoteRequest,
    ready: datetime,
    value_of_time: float | None,
) -> tuple[str, ...]:
    lines = []
    corridor = " → ".join(
        [itinerary.legs[0].origin] + [alight for _, alight, _ in itinerary.corridor]
    )
    lines.append(
        f"{corridor}: {itinerary.transit_hours:.0f} h from first departure, "
        f"{itinerary.price.total_cny:,.0f} CNY, {itinerary.emissions.total_kg / 1000:.2f} t CO2e, "
        f"{itinerary.transfers} transfer{'s' if itinerary.transfers != 1 else ''}"
    )
    if itinerary is not recommended:
        hours = (itinerary.arrival - recommended.arrival).total_seconds() / 3600
        transit = itinerary.transit_hours - recommended.transit_hours
        price = itinerary.price.total_cny - recommended.price.total_cny
        co2 = (itinerary.emissions.total_kg - recommended.emissions.total_kg) / 1000
        lines.append(
            f"against the recommended option: arrives {_signed(hours, 'h')}, transit "
            f"{_signed(transit, 'h')}, {_signed(price, 'CNY')}, {_signed(co2, 't CO2e', 2)}"
        )
    elif request.preference is Preference.BALANCED and value_of_time is not None:
        teu = request.cargo.teu or 1.0
        lines.append(
            f"recommended: the lowest price + time to arrival valued at {value_of_time:,.0f} CNY "
            f"per TEU-hour (a generalised cost of "
            f"{generalized_cost(itinerary, value_of_time, teu, ready):,.0f} CNY)"
        )
    meaning = {
        "fastest": "earliest arrival",
        "cheapest": "lowest price",
        "greenest": "least CO2e",
    }
    for label, words in meaning.items():
        if named[label] is itinerary:
            lines.append(f"{label}: the {words} of the options found")
    waited = (itinerary.departure - ready).total_seconds() / 3600
    if waited >= 24:
        lines.append(f"first departure {waited:.0f} h after the box is ready")
    return tuple(lines)


VERBS = {"fastest": "arrive", "cheapest": "cost", "greenest": "emit"}


def _value(label: str, option: Itinerary | Unlimited) -> float:
    """The criterion a label is named for: arrival (epoch seconds), price (CNY) or CO2e (kg)."""
    if isinstance(option, Unlimited):
        arrival, price, co2 = option.arrival, option.price_cny, option.co2e_kg
    else:
        arrival, price, co2 = option.arrival, option.price.total_cny, option.emissions.total_kg
    return {"fastest": arrival.timestamp(), "cheapest": price, "greenest": co2}[label]


def _binding(
    itinerary: Itinerary,
    named: dict[str, Itinerary],
    request: QuoteRequest,
    unlimited: Sequence[Unlimited],
) -> tuple[str, ...]:
    """For each name the option holds, the limits that keep a better one out."""
    lines = []
    for label, verb in VERBS.items():
        if named[label] is not itinerary or not unlimited:
            continue
        best = min(unlimited, key=lambda u: _value(label, u))
        if _value(label, best) >= _value(label, itinerary) - 1e-6:
            continue
        limits = _broken(best, request)
        if not limits:
            continue
        value = {
            "fastest": f"at {best.arrival.astimezone(request.ready.tzinfo):%Y-%m-%d %H:%M}",
            "cheapest": f"{best.price_cny:,.0f} CNY",
            "greenest": f"{best.co2e_kg / 1000:.2f} t CO2e",
        }[label]
        lines.append(
            f"{' and '.join(limits)} bind{'s' if len(limits) == 1 else ''}: without "
            f"{'it' if len(limits) == 1 else 'them'} the {label} option would {verb} {value}"
        )
    return tuple(lines)


def _broken(option: Unlimited, request: QuoteRequest) -> list[str]:
    """The request's limits ``option`` breaks, with by how much."""
    broken = []
    if request.deadline is not None and option.arrival > request.deadline:
        late = (option.arrival - request.deadline).total_seconds() / 3600
        broken.append(f"the deadline ({late:.0f} h later)")
    if request.max_price_cny is not None and option.price_cny > request.max_price_cny + 1e-6:
        broken.append(f"the budget ({option.price_cny - request.max_price_cny:,.0f} CNY over)")
    if request.max_co2e_kg is not None and option.co2e_kg > request.max_co2e_kg + 1e-6:
        broken.append(f"the CO2e cap ({option.co2e_kg - request.max_co2e_kg:,.0f} kg over)")
    transfers = request.filters.max_transfers
    if transfers is not None and option.transfers > transfers:
        broken.append(f"the transfer cap ({option.transfers} transfers)")
    return broken


def _signed(value: float, unit: str, digits: int = 0) -> str:
    return f"{value:+,.{digits}f} {unit}"
