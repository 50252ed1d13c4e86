"""Quote requests from user input and quote results as JSON-ready data (CLI now, API next)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from graph import CargoClass, Mode, Network, apply_scenario, parse_scenario
from graph.timetable import zone
from solvers.cargo import Cargo
from solvers.errors import InvalidRequest
from solvers.itinerary import Itinerary
from solvers.quote import QuoteResult
from solvers.types import Endpoint

_POINT = re.compile(
    r"^\s*(?P<lat>-?\d+(\.\d+)?)\s*,\s*(?P<lon>-?\d+(\.\d+)?)\s*(@\s*(?P<km>\d+(\.\d+)?)\s*km)?\s*$"
)
DEFAULT_REACH_KM = 50.0


def endpoint(text: str, field: str) -> Endpoint:
    """A location id, or ``lat,lon`` with an optional ``@NNkm`` trucking radius (default 50)."""
    match = _POINT.match(text)
    if match is None:
        if not text.strip():
            raise InvalidRequest([(field, "give a location id or lat,lon")])
        return Endpoint.at(text.strip())
    km = float(match["km"]) if match["km"] else DEFAULT_REACH_KM
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


def cargo(
    box: str | None,
    count: int,
    cargo_class: str,
    weight_t: float | None,
    imdg: str | None,
    bulk_tonnes: float | None,
) -> Cargo:
    """Cargo from command-line style arguments (the class follows a reefer box by default)."""
    try:
        klass = CargoClass(cargo_class)
    except ValueError as err:
        allowed = ", ".join(c.value for c in CargoClass)
        raise InvalidRequest([("cargo_class", f"{cargo_class!r} is not one of {allowed}")]) from err
    if klass is CargoClass.DRY and box and len(box) == 4 and box[2] == "R":
        klass = CargoClass.REEFER
    return Cargo(
        klass, box if klass is not CargoClass.BULK else None, count, weight_t, imdg, bulk_tonnes
    )


def modes(text: str | None) -> frozenset[Mode]:
    """Comma-separated modes; all when not given."""
    if not text:
        return frozenset(Mode)
    chosen = set()
    for name in text.split(","):
        try:
            chosen.add(Mode(name.strip()))
        except ValueError as err:
            allowed = ", ".join(m.value for m in Mode)
            raise InvalidRequest([("modes", f"{name.strip()!r} is not one of {allowed}")]) from err
    return frozenset(chosen)


def with_scenario(network: Network, path: Path | None) -> Network:
    """The network with the scenario in ``path`` (JSON: {"name", "ops"} or a list of ops)."""
    if path is None:
        return network
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InvalidRequest([("scenario", f"cannot read {path}: {err.strerror}")]) from err
    except json.JSONDecodeError as err:
        raise InvalidRequest([("scenario", f"{path} is not JSON: {err}")]) from err
    if isinstance(data, dict) and isinstance(data.get("ops"), list):
        name, ops = str(data.get("name", path.stem)), data["ops"]
    elif isinstance(data, list):
        name, ops = path.stem, data
    else:
        raise InvalidRequest([("scenario", 'give {"name": ..., "ops": [...]} or a list of ops')])
    return apply_scenario(network, parse_scenario(name, ops))


def result_data(result: QuoteResult, network: Network) -> dict[str, Any]:
    """The quote as plain data.

    Options with labels, times (ISO 8601 with local offsets), price with its items, CO2e, legs.
    """
    return {
        "status": result.status.value,
        "solver": result.solver,
        "network_version": result.network_version,
        "elapsed_ms": round(result.elapsed_s * 1000, 1),
        "options": [
            {
                "id": option.id,
                "labels": list(option.labels),
                "explanation": list(option.explanation),
                **itinerary_data(option.itinerary, network),
            }
            for option in result.options
        ],
        "reasons": [
            {key: _plain(value) for key, value in asdict(reason).items() if value is not None}
            for reason in result.reasons
        ],
    }


def itinerary_data(itinerary: Itinerary, network: Network) -> dict[str, Any]:
    """One itinerary as plain data."""
    first, last = itinerary.legs[0], itinerary.legs[-1]
    price = itinerary.price
    return {
        "summary": str(itinerary),
        "departure": _local(itinerary.departure, first.origin, network),
        "arrival": _local(itinerary.arrival, last.destination, network),
        "transit_hours": round(itinerary.transit_hours, 2),
        "transfers": itinerary.transfers,
        "price": {
            "total_cny": round(price.total_cny, 2),
            "total_usd": price.total_usd,
            "usd_rate": price.usd_rate,
            "rates_date": price.rates_date,
            "valid_until": price.valid_until.isoformat(),
            "items": [
                {
                    "code": line.code,
                    "description": line.description,
                    "category": line.category,
                    "quantity": line.quantity,
                    "unit": line.unit,
                    "unit_price": line.unit_price,
                    "currency": line.currency,
                    "amount": line.amount,
                    "amount_cny": round(line.amount_cny, 2),
                    "applies_to": line.applies_to,
                    "source": list(line.sources),
                    "estimate": line.estimate,
                }
                for line in price.lines
            ],
            "excluded": list(price.excluded),
        },
        "co2e_kg": round(itinerary.emissions.total_kg, 2),
        "emissions": {
            "wtt_kg": round(itinerary.emissions.wtt_kg, 2),
            "ttw_kg": round(itinerary.emissions.ttw_kg, 2),
            "hubs_kg": round(itinerary.emissions.hubs_kg, 2),
            "g_per_tonne_km": round(itinerary.emissions.g_per_tonne_km, 2),
            "g_per_teu_km": round(itinerary.emissions.g_per_teu_km, 2),
        },
        "legs": [
            {
                "leg": leg.leg_id,
                "from": leg.origin,
                "to": leg.destination,
                "mode": leg.mode.value,
                "service": leg.service,
                "operator": leg.operator,
                "departure": _local(leg.departure, leg.origin, network),
                "arrival": _local(leg.arrival, leg.destination, network),
                "cutoff": _local(leg.cutoff, leg.origin, network),
                "distance_km": round(leg.distance_km, 1),
                "co2e_kg": round(leg.wtt_kg + leg.ttw_kg, 2),
            }
            for leg in itinerary.legs
        ],
        "hubs": [
            {
                "location": hub.location,
                "arrival": _local(hub.arrival, hub.location, network) if hub.arrival else None,
                "ready": _local(hub.ready, hub.location, network) if hub.ready else None,
                "handling_hours": hub.handling_hours,
                "customs": list(hub.customs),
                "customs_hours": hub.customs_hours,
                "co2e_kg": round(hub.co2e_kg, 2),
            }
            for hub in itinerary.hubs
        ],
    }


def _local(moment: datetime, location: str, network: Network) -> str:
    place = network.find_location(location)
    tz = zone(place.tz) if place else UTC
    return moment.astimezone(tz).isoformat()


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value
