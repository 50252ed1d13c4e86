"""Quotes and booked plans as stored documents: the one owner of their shape.

The service keeps what a quote found, what a booking holds and what a re-route proposes as
JSON documents. They are written and read here only, as domain objects (:class:`Itinerary`,
:class:`Option`, :class:`Reason`), so that the API's response shape is free to change and
bookings, tracking, re-routing and the waybill work on typed facts rather than on JSON.

Every document carries ``codec`` (its version). Instants are ISO 8601 with the offset they
were made with, so a decoded instant is the one encoded; money keeps integer fen. A document is
made to be written as JSON: the sequences the domain objects hold as tuples are left as they are
(every JSON encoder writes a tuple as an array), not copied into lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from graph import Mode
from solvers.emissions import Emissions
from solvers.itinerary import HubStop, Itinerary, ItineraryLeg, Price
from solvers.pricing import PriceLine
from solvers.quoting.explain import Reason
from solvers.quoting.ranking import Option
from solvers.types import SolveStatus

#: The version written; :func:`check` refuses any other.
VERSION = 1


class DocumentError(ValueError):
    """A stored document this codec cannot read."""


@dataclass(frozen=True, slots=True)
class QuoteRecord:
    """What a quote found, as kept.

    The options, why there are none (or no better), and when the search started (``ready``,
    with a notice when that is not what was asked).
    """

    status: SolveStatus
    solver: str
    network_version: str
    elapsed_ms: float
    options: tuple[Option, ...]
    reasons: tuple[Reason, ...]
    teu: float
    ready: datetime | None = None
    notices: tuple[str, ...] = ()

    def option(self, option_id: str) -> Option | None:
        """The option or other departure with ``option_id``, if the quote has one."""
        return next((found for o in self.options if (found := o.find(option_id))), None)


@dataclass(frozen=True, slots=True)
class Replan:
    """A re-route accepted: the legs from ``from_seq`` on were replaced ``at`` that instant."""

    from_seq: int
    at: datetime
    proposal_id: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What a booking holds: the option booked (or re-routed onto) and its history."""

    option: Option
    network_version: str
    replans: tuple[Replan, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """A re-route proposal's journey.

    The whole itinerary after accepting it, and the price of the part from the re-routing point
    on.
    """

    option: Option
    remainder_price_cny: float


def encode_quote(record: QuoteRecord) -> dict[str, Any]:
    """The stored document of a quote."""
    return {
        "codec": VERSION,
        "status": record.status.value,
        "solver": record.solver,
        "network_version": record.network_version,
        "elapsed_ms": record.elapsed_ms,
        "teu": record.teu,
        "ready": _instant(record.ready),
        "notices": record.notices,
        "options": [_option(o) for o in record.options],
        "reasons": [_reason(r) for r in record.reasons],
    }


def decode_quote(doc: Mapping[str, Any]) -> QuoteRecord:
    """A quote from its stored document."""
    check(doc)
    return QuoteRecord(
        status=SolveStatus(doc["status"]),
        solver=doc["solver"],
        network_version=doc["network_version"],
        elapsed_ms=doc["elapsed_ms"],
        options=tuple(_read_option(o) for o in doc["options"]),
        reasons=tuple(_read_reason(r) for r in doc["reasons"]),
        teu=doc["teu"],
        ready=_read_instant(doc["ready"]),
        notices=tuple(doc["notices"]),
    )


def encode_plan(plan: Plan) -> dict[str, Any]:
    """The stored document of a booking's plan."""
    return {
        "codec": VERSION,
        "option": _option(plan.option),
        "network_version": plan.network_version,
        "replans": [
            {"from_seq": r.from_seq, "at": r.at.isoformat(), "proposal_id": r.proposal_id}
            for r in plan.replans
        ],
    }


def decode_plan(doc: Mapping[str, Any]) -> Plan:
    """A booking's plan from its stored document."""
    check(doc)
    return Plan(
        option=_read_option(doc["option"]),
        network_version=doc["network_version"],
        replans=tuple(
            Replan(r["from_seq"], datetime.fromisoformat(r["at"]), r["proposal_id"])
            for r in doc["replans"]
        ),
    )


def encode_proposal(proposal: Proposal) -> dict[str, Any]:
    """The stored document of a re-route proposal's journey."""
    return {
        "codec": VERSION,
        "option": _option(proposal.option),
        "remainder_price_cny": proposal.remainder_price_cny,
    }


def decode_proposal(doc: Mapping[str, Any]) -> Proposal:
    """A re-route proposal's journey from its stored document."""
    check(doc)
    return Proposal(_read_option(doc["option"]), doc["remainder_price_cny"])


def check(doc: Mapping[str, Any]) -> None:
    """Raise :class:`DocumentError` unless ``doc`` is a document of this codec's version."""
    version = doc.get("codec") if isinstance(doc, Mapping) else None
    if version != VERSION:
        message = (
            f"stored document of codec version {version!r}, this service reads {VERSION}: "
            "run the database migrations"
        )
        raise DocumentError(message)


def _option(option: Option) -> dict[str, Any]:
    return {
        "id": option.id,
        "labels": option.labels,
        "explanation": option.explanation,
        "itinerary": _itinerary(option.itinerary),
        "departures": [_option(other) for other in option.departures],
    }


def _read_option(doc: Mapping[str, Any]) -> Option:
    return Option(
        id=doc["id"],
        itinerary=_read_itinerary(doc["itinerary"]),
        labels=tuple(doc["labels"]),
        explanation=tuple(doc["explanation"]),
        departures=tuple(_read_option(other) for other in doc["departures"]),
    )


def _itinerary(itinerary: Itinerary) -> dict[str, Any]:
    price, emissions = itinerary.price, itinerary.emissions
    return {
        "departure": _instant(itinerary.departure),
        "arrival": _instant(itinerary.arrival),
        "rides": itinerary.rides,
        "legs": [_leg(leg) for leg in itinerary.legs],
        "hubs": [_hub(hub) for hub in itinerary.hubs],
        "price": {
            "lines": [_line(line) for line in price.lines],
            "total_cny": price.total_cny,
            "total_usd": price.total_usd,
            "usd_rate": price.usd_rate,
            "rates_date": price.rates_date,
            "valid_until": price.valid_until.isoformat(),
            "excluded": price.excluded,
        },
        "emissions": {
            "wtt_kg": emissions.wtt_kg,
            "ttw_kg": emissions.ttw_kg,
            "hubs_kg": emissions.hubs_kg,
            "tonne_km": emissions.tonne_km,
            "teu_km": emissions.teu_km,
        },
    }


def _read_itinerary(doc: Mapping[str, Any]) -> Itinerary:
    price, emissions = doc["price"], doc["emissions"]
    return Itinerary(
        legs=tuple(_read_leg(leg) for leg in doc["legs"]),
        hubs=tuple(_read_hub(hub) for hub in doc["hubs"]),
        departure=datetime.fromisoformat(doc["departure"]),
        arrival=datetime.fromisoformat(doc["arrival"]),
        price=Price(
            lines=tuple(_read_line(line) for line in price["lines"]),
            total_cny=price["total_cny"],
            total_usd=price["total_usd"],
            usd_rate=price["usd_rate"],
            rates_date=price["rates_date"],
            valid_until=datetime.fromisoformat(price["valid_until"]),
            excluded=tuple(price["excluded"]),
        ),
        emissions=Emissions(
            emissions["wtt_kg"],
            emissions["ttw_kg"],
            emissions["hubs_kg"],
            emissions["tonne_km"],
            emissions["teu_km"],
        ),
        rides=doc["rides"],
    )


def _leg(leg: ItineraryLeg) -> dict[str, Any]:
    return {
        "leg": leg.leg_id,
        "ride": leg.ride,
        "service": leg.service,
        "service_name": leg.service_name,
        "mode": leg.mode.value,
        "operator": leg.operator,
        "from": leg.origin,
        "to": leg.destination,
        "departure": _instant(leg.departure),
        "arrival": _instant(leg.arrival),
        "cutoff": _instant(leg.cutoff),
        "distance_km": leg.distance_km,
        "geometry": leg.geometry,
        "wtt_kg": leg.wtt_kg,
        "ttw_kg": leg.ttw_kg,
        "emission_class": leg.emission_class,
    }


def _read_leg(doc: Mapping[str, Any]) -> ItineraryLeg:
    return ItineraryLeg(
        leg_id=doc["leg"],
        ride=doc["ride"],
        service=doc["service"],
        service_name=doc["service_name"],
        mode=Mode(doc["mode"]),
        operator=doc["operator"],
        origin=doc["from"],
        destination=doc["to"],
        departure=datetime.fromisoformat(doc["departure"]),
        arrival=datetime.fromisoformat(doc["arrival"]),
        cutoff=datetime.fromisoformat(doc["cutoff"]),
        distance_km=doc["distance_km"],
        geometry=tuple((point[0], point[1]) for point in doc["geometry"]),
        wtt_kg=doc["wtt_kg"],
        ttw_kg=doc["ttw_kg"],
        emission_class=doc.get("emission_class"),  # absent from documents stored before
    )


def _hub(hub: HubStop) -> dict[str, Any]:
    return {
        "location": hub.location,
        "arrival": _instant(hub.arrival),
        "ready": _instant(hub.ready),
        "handling_hours": hub.handling_hours,
        "customs": hub.customs,
        "customs_hours": hub.customs_hours,
        "co2e_kg": hub.co2e_kg,
    }


def _read_hub(doc: Mapping[str, Any]) -> HubStop:
    return HubStop(
        location=doc["location"],
        arrival=_read_instant(doc["arrival"]),
        ready=_read_instant(doc["ready"]),
        handling_hours=doc["handling_hours"],
        customs=tuple(doc["customs"]),
        customs_hours=doc["customs_hours"],
        co2e_kg=doc["co2e_kg"],
    )


def _line(line: PriceLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "description": line.description,
        "category": line.category,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "currency": line.currency,
        "amount": line.amount,
        "amount_fen": line.amount_fen,
        "applies_to": line.applies_to,
        "sources": line.sources,
        "estimate": line.estimate,
    }


def _read_line(doc: Mapping[str, Any]) -> PriceLine:
    return PriceLine(
        code=doc["code"],
        description=doc["description"],
        category=doc["category"],
        quantity=doc["quantity"],
        unit=doc["unit"],
        unit_price=doc["unit_price"],
        currency=doc["currency"],
        amount=doc["amount"],
        amount_fen=doc["amount_fen"],
        applies_to=doc["applies_to"],
        sources=tuple(doc["sources"]),
        estimate=doc["estimate"],
    )


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "message": reason.message,
        "earliest_arrival": _instant(reason.earliest_arrival),
        "cheapest_cny": reason.cheapest_cny,
        "least_co2e_kg": reason.least_co2e_kg,
        "fewest_transfers": reason.fewest_transfers,
        "most_boxes": reason.most_boxes,
    }


def _read_reason(doc: Mapping[str, Any]) -> Reason:
    return Reason(
        code=doc["code"],
        message=doc["message"],
        earliest_arrival=_read_instant(doc["earliest_arrival"]),
        cheapest_cny=doc["cheapest_cny"],
        least_co2e_kg=doc["least_co2e_kg"],
        fewest_transfers=doc["fewest_transfers"],
        most_boxes=doc["most_boxes"],
    )


def _instant(moment: datetime | None) -> str | None:
    return _text(moment, moment.tzinfo, moment.fold) if moment is not None else None


@lru_cache(maxsize=16_384)
def _text(moment: datetime, _zone: tzinfo | None, _fold: int) -> str:
    # a document holds the same timetabled instants again and again (about a hundred in a
    # quote's); equal instants of other zones, or an hour apart at a clock change, are equal
    # datetimes but other text: zone and fold are in the key
    return moment.isoformat()


def _read_instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None
