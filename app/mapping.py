"""Between the terms of users and the solvers': quote requests read and quotes shown.

What a user gives, on the command line or over HTTP (a place as a code, a name or a point, dates
read in the place's time zone, cargo), becomes the solvers' :class:`QuoteRequest`; what the
solvers found becomes JSON-ready data: options, itineraries with their legs as GeoJSON, local
times with offsets, itemized prices, CO2e with the factors' sources. The service and the command
line both go through here (and the command line needs nothing else of the service). Sequences the
domain objects hold as tuples (labels, coordinates, sources) are shown as they are: every JSON
encoder writes a tuple as an array, and copying them into lists cost a quote's answer time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.schemas.quotes import MAX_REACH_KM, CargoIn, PointIn, QuoteIn
from app.schemas.scenarios import ScenarioIn
from graph import CargoClass, Location, Mode, Network, Status
from graph.emissions import EmissionFactor
from graph.timetable import zone
from solvers.cargo import Cargo
from solvers.codec import QuoteRecord
from solvers.errors import InvalidRequest
from solvers.itinerary import HubStop, Itinerary, ItineraryLeg
from solvers.pricing import PriceLine
from solvers.quoting import QuoteResult
from solvers.quoting.explain import Reason
from solvers.quoting.model import endpoint_tz
from solvers.quoting.ranking import Option
from solvers.types import Endpoint, Filters, QuoteRequest

_POINT = re.compile(
    r"^\s*(?P<lat>-?\d+(\.\d+)?)\s*,\s*(?P<lon>-?\d+(\.\d+)?)\s*(@\s*(?P<km>\d+(\.\d+)?)\s*km)?\s*$"
)
DEFAULT_REACH_KM = 50.0
#: Instants a request may name: timetables are expanded week by week around them.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def endpoint(text: str, field: str) -> Endpoint:
    """A location id, or ``lat,lon`` with an optional ``@NNkm`` trucking radius (default 50)."""
    match = _POINT.match(text)
    if match is None:
        if not text.strip():
            raise InvalidRequest([(field, "give a location id or lat,lon")])
        return Endpoint.at(text.strip())
    km = float(match["km"]) if match["km"] else DEFAULT_REACH_KM
    if not 0 < km <= MAX_REACH_KM:
        raise InvalidRequest(
            [(field, f"a trucking radius is more than 0 and at most {MAX_REACH_KM:g} km")]
        )
    return Endpoint(lat=float(match["lat"]), lon=float(match["lon"]), max_km=km)


def instant(text: str, field: str, tz: str) -> datetime:
    """An ISO 8601 date or date-time; a date or a time without offset is read in ``tz``."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), time())
        except ValueError as err:
            raise InvalidRequest(
                [(field, f"{text!r} is not an ISO 8601 date or date-time")]
            ) from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(tz))


#: Where the solvers' names of request fields are in a quote request's body.
_REQUEST_PATHS = {
    "size_type": "cargo.box",
    "count": "cargo.count",
    "cargo_class": "cargo.cargo_class",
    "gross_weight_t": "cargo.weight_t",
    "imdg_class": "cargo.imdg",
    "bulk_tonnes": "cargo.bulk_tonnes",
    "required_hubs": "filters.required_hubs",
    "excluded_hubs": "filters.excluded_hubs",
    "required_operators": "filters.required_operators",
    "excluded_operators": "filters.excluded_operators",
}


def in_request_terms(error: InvalidRequest) -> InvalidRequest:
    """``error`` naming the fields as the client sent them (``cargo.box``, not ``size_type``)."""
    return InvalidRequest([(_REQUEST_PATHS.get(f, f), message) for f, message in error.problems])


def cargo(body: CargoIn) -> Cargo:
    """Cargo from the request (a reefer box makes the class reefer unless one is given)."""
    klass = body.cargo_class
    box = body.box
    if klass is CargoClass.DRY and box and box[2] == "R":
        klass = CargoClass.REEFER
    return Cargo(
        klass,
        box if klass is not CargoClass.BULK else None,
        body.count,
        body.weight_t,
        body.imdg,
        body.bulk_tonnes,
    )


def read_scenario(path: Path) -> ScenarioIn:
    """A scenario file (JSON: {"name", "ops"} or a list of ops)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InvalidRequest([("scenario", f"cannot read {path}: {err.strerror}")]) from err
    except json.JSONDecodeError as err:
        raise InvalidRequest([("scenario", f"{path} is not JSON: {err}")]) from err
    if isinstance(data, dict) and isinstance(data.get("ops"), list):
        return ScenarioIn(name=str(data.get("name", path.stem)), ops=data["ops"])
    if isinstance(data, list):
        return ScenarioIn(name=path.stem, ops=data)
    raise InvalidRequest([("scenario", 'give {"name": ..., "ops": [...]} or a list of ops')])


def quote_request(
    network: Network, body: QuoteIn, max_horizon_days: int, now: datetime | None = None
) -> QuoteRequest:
    """The solver's request, read against ``network`` (the request's scenario already applied).

    A ready time in the past (a date means local midnight at the origin) means ready from
    ``now`` (default: the clock), rounded up to the minute: departures whose cut-off has passed
    cannot be booked. :func:`record` says so in the answer.

    Raises
    ------
    InvalidRequest
        Naming each field that cannot be read.
    """
    problems: list[tuple[str, str]] = []
    ends: dict[str, Endpoint] = {}
    for name, given in (("origin", body.origin), ("destination", body.destination)):
        try:
            ends[name] = _endpoint(given, name, network)
        except InvalidRequest as error:
            problems += [(name, message) for _, message in error.problems]
    # a date means local midnight where it applies: ready at the origin, deadline at the end
    zones = {
        field: endpoint_tz(network, ends[end]) if end in ends else "UTC"
        for field, end in (("ready", "origin"), ("deadline", "destination"))
    }
    times: list[datetime | None] = []
    for name, text in (("ready", body.ready), ("deadline", body.deadline)):
        moment = None
        try:
            moment = instant(text, name, zones[name]) if text is not None else None
        except InvalidRequest as error:
            problems += error.problems
        if moment is not None and not EARLIEST <= moment < LATEST:
            problems.append((name, f"must be between {EARLIEST.year} and {LATEST.year - 1}"))
        times.append(moment)
    horizon = body.horizon_days or max_horizon_days
    if horizon > max_horizon_days:
        problems.append(("horizon_days", f"at most {max_horizon_days} days"))
    shipped = None
    try:
        shipped = cargo(body.cargo)
    except InvalidRequest as error:
        problems += in_request_terms(error).problems
    if problems:
        raise InvalidRequest(problems)
    assert shipped is not None
    ready = times[0]
    assert ready is not None
    moment = now or datetime.now(UTC)
    if ready < moment:
        ready = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    filters = body.filters
    return QuoteRequest(
        origin=ends["origin"],
        destination=ends["destination"],
        ready=ready,
        deadline=times[1],
        cargo=shipped,
        filters=Filters(
            modes=frozenset(filters.modes) if filters.modes else frozenset(Mode),
            max_transfers=filters.max_transfers,
            required_hubs=tuple(filters.required_hubs),
            hub_rule=filters.hub_rule,
            excluded_hubs=frozenset(filters.excluded_hubs),
            required_operators=frozenset(filters.required_operators),
            excluded_operators=frozenset(filters.excluded_operators),
            include_statuses=frozenset(Status(status) for status in filters.include_statuses),
        ),
        max_price_cny=body.max_price_cny,
        max_co2e_kg=body.max_co2e_kg,
        preference=body.preference,
        value_of_time_cny_per_teu_hour=body.value_of_time_cny_per_teu_hour,
        horizon=timedelta(days=horizon),
    )


def _endpoint(given: str | PointIn, field: str, network: Network) -> Endpoint:
    """A point, a terminal (its id), or a city (its UN/LOCODE or alias, English or Chinese name).

    Codes and names are read ignoring case; a city's search starts or ends at any of its
    terminals.
    """
    if isinstance(given, PointIn):
        return Endpoint(lat=given.lat, lon=given.lon, max_km=given.max_km)
    found = endpoint(given, field)
    if found.location is None:
        return found
    place = network.place(found.location)
    if place is None:
        raise InvalidRequest(
            [
                (
                    field,
                    f"no place {found.location!r}: give a UN/LOCODE, a city name "
                    "(English or Chinese) or a location id",
                )
            ]
        )
    if isinstance(place, Location):
        return Endpoint.at(place.id)
    return Endpoint.in_city(place.code)


def record(
    result: QuoteResult, network: Network, body: QuoteIn, request: QuoteRequest
) -> QuoteRecord:
    """What to keep of a quote: its options and reasons, and when the search started.

    ``ready`` is local time at the origin; a notice says so when it is not what was asked
    (a ready time in the past).
    """
    tz = endpoint_tz(network, request.origin)
    ready = request.ready.astimezone(zone(tz))
    asked = instant(body.ready, "ready", tz)
    notices = []
    if asked < request.ready:
        notices.append(
            f"ready {asked.isoformat()} is in the past: searched from {ready.isoformat()}"
        )
    return QuoteRecord(
        status=result.status,
        solver=result.solver,
        network_version=result.network_version,
        elapsed_ms=round(result.elapsed_s * 1000, 1),
        options=result.options,
        reasons=result.reasons,
        teu=request.cargo.teu,
        ready=ready,
        notices=tuple(notices),
    )


def quote_data(quote: QuoteRecord, network: Network) -> dict[str, Any]:
    """The quote as plain data.

    Options with labels, times (ISO 8601 with local offsets), price with its items, CO2e, legs.
    """
    return {
        "status": quote.status.value,
        "solver": quote.solver,
        "network_version": quote.network_version,
        "elapsed_ms": quote.elapsed_ms,
        "options": [option_data(option, network) for option in quote.options],
        "reasons": [
            {key: value for key, value in reason_data(reason).items() if value is not None}
            for reason in quote.reasons
        ],
        "ready": quote.ready.isoformat() if quote.ready else None,
        "notices": list(quote.notices),
    }


def reason_data(reason: Reason) -> dict[str, Any]:
    """Why there is no (better) option, as plain data: every field, ``None`` where unknown."""
    return {key: _plain(value) for key, value in asdict(reason).items()}


def option_data(option: Option, network: Network) -> dict[str, Any]:
    """One option as plain data.

    Its id, labels and explanation, its itinerary, and the other departures on its corridor
    (each bookable by its id).
    """
    return {
        "id": option.id,
        "labels": option.labels,
        "explanation": option.explanation,
        **itinerary_data(option.itinerary, network),
        "departures": [departure_data(other, network) for other in option.departures],
    }


def departure_data(option: Option, network: Network) -> dict[str, Any]:
    """Another departure on an option's corridor, in brief."""
    itinerary = option.itinerary
    first, last = itinerary.legs[0], itinerary.legs[-1]
    end = zone_of(last.destination, network, last.geometry[-1])
    return {
        "id": option.id,
        "labels": option.labels,
        "departure": local_time(itinerary.departure, first.origin, network, first.geometry[0]),
        "arrival": _in_zone(itinerary.arrival, end),
        "vehicle_arrival": _in_zone(itinerary.vehicle_arrival, end),
        "transit_hours": round(itinerary.transit_hours, 2),
        "price_total_cny": round(itinerary.price.total_cny, 2),
        "co2e_kg": round(itinerary.emissions.total_kg, 2),
        "services": list(dict.fromkeys(leg.service_name or leg.service for leg in itinerary.legs)),
    }


def itinerary_data(itinerary: Itinerary, network: Network) -> dict[str, Any]:
    """One itinerary as plain data."""
    first, last = itinerary.legs[0], itinerary.legs[-1]
    price, emissions = itinerary.price, itinerary.emissions
    end = zone_of(last.destination, network, last.geometry[-1])
    estimated_cny = price.estimated_cny
    points = places(itinerary)
    return {
        "summary": str(itinerary),
        "departure": local_time(itinerary.departure, first.origin, network, first.geometry[0]),
        "arrival": _in_zone(itinerary.arrival, end),
        "vehicle_arrival": _in_zone(itinerary.vehicle_arrival, end),
        "transit_hours": round(itinerary.transit_hours, 2),
        "transfers": itinerary.transfers,
        "price": {
            "total_cny": round(price.total_cny, 2),
            "total_usd": price.total_usd,
            "usd_rate": price.usd_rate,
            "rates_date": price.rates_date,
            "valid_until": price.valid_until.isoformat(),
            "items": [price_item(line, network) for line in price.lines],
            "excluded": price.excluded,
            "estimated_cny": round(estimated_cny, 2),
            "estimated_share": round(estimated_cny / price.total_cny, 3)
            if price.total_cny
            else 0.0,
        },
        "co2e_kg": round(emissions.total_kg, 2),
        "emissions": {
            "wtt_kg": round(emissions.wtt_kg, 2),
            "ttw_kg": round(emissions.ttw_kg, 2),
            "hubs_kg": round(emissions.hubs_kg, 2),
            "g_per_tonne_km": round(emissions.g_per_tonne_km, 2),
            "g_per_teu_km": round(emissions.g_per_teu_km, 2),
        },
        "legs": {
            "type": "FeatureCollection",
            "features": [
                _leg_feature(leg, seq, network) for seq, leg in enumerate(itinerary.legs, start=1)
            ],
        },
        "hubs": [_hub_data(hub, network, points.get(hub.location)) for hub in itinerary.hubs],
    }


def _leg_feature(leg: ItineraryLeg, seq: int, network: Network) -> dict[str, Any]:
    """Leg ``seq`` as a GeoJSON Feature (departure and cut-off in the origin's zone, found once)."""
    geometry = leg.geometry
    origin, destination = leg.origin, leg.destination
    leaves = zone_of(origin, network, geometry[0])
    wtt_kg, ttw_kg = leg.wtt_kg, leg.ttw_kg
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": geometry},
        "properties": {
            "leg": leg.leg_id,
            "seq": seq,
            "from": origin,
            "to": destination,
            "mode": leg.mode.value,
            "service": leg.service,
            "service_name": leg.service_name,
            "operator": leg.operator,
            "operator_zh": operator_zh(leg, network),
            "departure": _in_zone(leg.departure, leaves),
            "arrival": _in_zone(leg.arrival, zone_of(destination, network, geometry[-1])),
            "cutoff": _in_zone(leg.cutoff, leaves),
            "departure_key": leg.departure_key,
            "distance_km": round(leg.distance_km, 1),
            "co2e_kg": round(wtt_kg + ttw_kg, 2),
            "wtt_kg": round(wtt_kg, 2),
            "ttw_kg": round(ttw_kg, 2),
            "emission_factor": factor_data(leg.emission_class, network),
        },
    }


def _hub_data(hub: HubStop, network: Network, point: Sequence[float] | None) -> dict[str, Any]:
    """A hub stop, its times in the hub's zone (``point``: where a door point is)."""
    tz = zone_of(hub.location, network, point)
    return {
        "location": hub.location,
        "arrival": _in_zone(hub.arrival, tz) if hub.arrival else None,
        "ready": _in_zone(hub.ready, tz) if hub.ready else None,
        "handling_hours": hub.handling_hours,
        "customs": hub.customs,
        "customs_hours": hub.customs_hours,
        "co2e_kg": round(hub.co2e_kg, 2),
    }


def places(itinerary: Itinerary) -> dict[str, tuple[float, float]]:
    """Where each place of ``itinerary`` is (lon, lat): door points have no location."""
    found: dict[str, tuple[float, float]] = {}
    for leg in itinerary.legs:
        found.setdefault(leg.origin, leg.geometry[0])
        found.setdefault(leg.destination, leg.geometry[-1])
    return found


def local_time(
    moment: datetime, location: str, network: Network, point: Sequence[float] | None = None
) -> str:
    """``moment`` in ISO 8601 with the offset of the place's time zone (see :func:`zone_of`)."""
    return _in_zone(moment, zone_of(location, network, point))


def zone_of(location: str, network: Network, point: Sequence[float] | None = None) -> str:
    """The time zone of a place.

    A network location's, or a door point's (at ``point``, lon/lat), which takes the nearest
    location's zone; UTC for neither.
    """
    place = network.find_location(location)
    if place is not None:
        return place.tz
    if point is not None:
        return network.tz_near(point[0], point[1])
    return "UTC"


@lru_cache(maxsize=16_384)
def _in_zone(moment: datetime, tz: str) -> str:
    # quotes show the same timetabled instants again and again (about a hundred an answer), and
    # converting one costs several times a lookup; equal instants are one key whatever their
    # offset, and give the same text
    return moment.astimezone(zone(tz)).isoformat()


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


#: The search's own trucks to and from a door point, which are no leg of the network.
DOOR_SERVICES = frozenset({"FIRST-MILE", "LAST-MILE"})
DOOR_TRUCKING_ZH = "首末段集装箱卡车运输"


def operator_zh(leg: ItineraryLeg, network: Network) -> str | None:
    """The Chinese name of ``leg``'s operator, from the network's leg of that id.

    None for a leg the network does not hold (a scenario's added service, or a stored quote's
    leg since removed from the data).
    """
    found = network.legs.get(leg.leg_id)
    if found is not None:
        return found.operator_zh
    return DOOR_TRUCKING_ZH if leg.service in DOOR_SERVICES else None


def factor_data(factor_id: str | None, network: Network) -> dict[str, Any] | None:
    """The emission factor a leg's CO2e comes from, with its sources (None if unknown)."""
    factor = network.emission_factors.legs.get(factor_id or "")
    return dict(_factor_view(factor)) if factor is not None else None


@lru_cache(maxsize=256)
def _factor_view(factor: EmissionFactor) -> dict[str, Any]:
    # a network has a few dozen factors and every leg shown names one: each is put in the API's
    # terms once (callers get a copy, this one is never handed out)
    return {
        "id": factor.id,
        "name": factor.name,
        "basis": factor.basis.value,
        "g_per_unit_km": round(factor.wtt_g + factor.ttw_g, 3),
        "source": factor.provenance.sources,
        "estimate": factor.provenance.estimate,
    }


def price_item(line: PriceLine, network: Network) -> dict[str, Any]:
    """One line of a bill as the API shows it, named in Chinese from the network's catalogue."""
    item = network.tariffs.items.get(line.code)
    return {
        "code": line.code,
        "description": line.description,
        "description_zh": item.name_zh if item is not None else None,
        "category": line.category,
        "quantity": float(line.quantity),
        "unit": line.unit,
        "unit_price": float(line.unit_price),
        "currency": line.currency,
        "amount": float(line.amount),
        "amount_cny": round(line.amount_cny, 2),
        "applies_to": line.applies_to,
        "source": line.sources,
        "estimate": line.estimate,
    }
