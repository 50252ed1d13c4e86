"""stored quotes, booked plans and re-route proposals as codec documents

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:30:00

Quotes, bookings and re-route proposals kept the API's response JSON. From this revision they
keep the documents of ``solvers.codec`` (version 1): the itinerary's own fields, instants with
their offsets, money in fen. The conversion is written out here, frozen, so that it does not
change when the codec's next version does.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Doc = dict[str, Any]

_REASON_FIELDS = (
    "earliest_arrival",
    "cheapest_cny",
    "least_co2e_kg",
    "fewest_transfers",
    "most_boxes",
)


def upgrade() -> None:
    _rewrite("quotes", "result", _quote_up)
    _rewrite("bookings", "option", _plan_up)
    _rewrite("reroute_proposals", "option", _proposal_up)


def downgrade() -> None:
    _rewrite("quotes", "result", _quote_down)
    _rewrite("bookings", "option", _plan_down)
    _rewrite("reroute_proposals", "option", _proposal_down)


def _rewrite(table: str, column: str, convert: Callable[[Doc], Doc]) -> None:
    rows = sa.table(table, sa.column("id", sa.String), sa.column(column, sa.JSON))
    bind = op.get_bind()
    for ident, doc in bind.execute(sa.select(rows.c.id, rows.c[column])).all():
        if doc:  # an empty document has nothing to convert
            bind.execute(
                rows.update().where(rows.c.id == ident).values({column: convert(doc)})
            )


def _quote_up(doc: Doc) -> Doc:
    if doc.get("codec") == 1:
        return doc
    return {
        "codec": 1,
        "status": doc["status"],
        "solver": doc["solver"],
        "network_version": doc["network_version"],
        "elapsed_ms": doc["elapsed_ms"],
        "teu": doc["teu"],
        "ready": doc.get("ready"),
        "notices": list(doc.get("notices", [])),
        "options": [_option_up(o) for o in doc["options"]],
        "reasons": [
            {"code": r["code"], "message": r["message"], **{k: r.get(k) for k in _REASON_FIELDS}}
            for r in doc["reasons"]
        ],
    }


def _plan_up(doc: Doc) -> Doc:
    if doc.get("codec") == 1:
        return doc
    return {
        "codec": 1,
        "option": _option_up(doc),
        "network_version": doc.get("network_version", ""),
        "replans": list(doc.get("replans", [])),
    }


def _proposal_up(doc: Doc) -> Doc:
    if doc.get("codec") == 1:
        return doc
    return {
        "codec": 1,
        "option": _option_up(doc),
        "remainder_price_cny": doc["remainder_price_cny"],
    }


def _option_up(doc: Doc) -> Doc:
    features = [f["properties"] | {"geometry": f["geometry"]["coordinates"]} for f in doc["legs"]["features"]]
    legs, ride, previous = [], -1, None
    for p in features:
        if previous is None or previous["service"] != p["service"] or previous["to"] != p["from"]:
            ride += 1
        legs.append(
            {
                "leg": p["leg"],
                "ride": ride,
                "service": p["service"],
                "service_name": p.get("service_name"),
                "mode": p["mode"],
                "operator": p["operator"],
                "from": p["from"],
                "to": p["to"],
                "departure": p["departure"],
                "arrival": p["arrival"],
                "cutoff": p["cutoff"],
                "distance_km": p["distance_km"],
                "geometry": p["geometry"],
                "wtt_kg": p.get("wtt_kg", 0.0),
                "ttw_kg": p.get("ttw_kg", p.get("co2e_kg", 0.0) - p.get("wtt_kg", 0.0)),
            }
        )
        previous = p
    price, emissions = doc["price"], doc["emissions"]
    grams = doc["co2e_kg"] * 1000
    return {
        "id": doc["id"],
        "labels": doc["labels"],
        "explanation": doc["explanation"],
        "departures": [],
        "itinerary": {
            "departure": doc["departure"],
            "arrival": doc["arrival"],
            "rides": ride + 1,
            "legs": legs,
            "hubs": doc["hubs"],
            "price": {
                "lines": [
                    {
                        **{k: v for k, v in item.items() if k not in ("amount_cny", "source")},
                        "amount_fen": round(item["amount_cny"] * 100),
                        "sources": item["source"],
                    }
                    for item in price["items"]
                ],
                **{
                    k: price[k]
                    for k in ("total_cny", "total_usd", "usd_rate", "rates_date", "valid_until")
                },
                "excluded": price["excluded"],
            },
            "emissions": {
                "wtt_kg": emissions["wtt_kg"],
                "ttw_kg": emissions["ttw_kg"],
                "hubs_kg": emissions["hubs_kg"],
                "tonne_km": grams / emissions["g_per_tonne_km"] if emissions["g_per_tonne_km"] else 0.0,
                "teu_km": grams / emissions["g_per_teu_km"] if emissions["g_per_teu_km"] else 0.0,
            },
        },
    }


def _quote_down(doc: Doc) -> Doc:
    if doc.get("codec") != 1:
        return doc
    return {
        **{k: doc[k] for k in ("status", "solver", "network_version", "elapsed_ms", "teu")},
        "ready": doc["ready"],
        "notices": doc["notices"],
        "options": [_option_down(o) for o in doc["options"]],
        "reasons": [{k: v for k, v in r.items() if v is not None} for r in doc["reasons"]],
    }


def _plan_down(doc: Doc) -> Doc:
    if doc.get("codec") != 1:
        return doc
    return {
        **_option_down(doc["option"]),
        "network_version": doc["network_version"],
        "replans": doc["replans"],
    }


def _proposal_down(doc: Doc) -> Doc:
    if doc.get("codec") != 1:
        return doc
    return {**_option_down(doc["option"]), "remainder_price_cny": doc["remainder_price_cny"]}


def _option_down(doc: Doc) -> Doc:
    itinerary = doc["itinerary"]
    legs, price, emissions = itinerary["legs"], itinerary["price"], itinerary["emissions"]
    total_kg = emissions["wtt_kg"] + emissions["ttw_kg"] + emissions["hubs_kg"]
    hours = (_seconds(itinerary["arrival"]) - _seconds(itinerary["departure"])) / 3600
    return {
        "id": doc["id"],
        "labels": doc["labels"],
        "explanation": doc["explanation"],
        "summary": " ~ ".join([legs[0]["from"]] + [f"{leg['mode'].upper()} ~ {leg['to']}" for leg in legs]),
        "departure": itinerary["departure"],
        "arrival": itinerary["arrival"],
        "transit_hours": round(hours, 2),
        "transfers": max(itinerary["rides"] - 1, 0),
        "price": {
            **{k: v for k, v in price.items() if k != "lines"},
            "items": [
                {
                    **{k: v for k, v in line.items() if k not in ("amount_fen", "sources")},
                    "amount_cny": line["amount_fen"] / 100,
                    "source": line["sources"],
                }
                for line in price["lines"]
            ],
        },
        "co2e_kg": round(total_kg, 2),
        "emissions": {
            "wtt_kg": emissions["wtt_kg"],
            "ttw_kg": emissions["ttw_kg"],
            "hubs_kg": emissions["hubs_kg"],
            "g_per_tonne_km": 1000 * total_kg / emissions["tonne_km"] if emissions["tonne_km"] else 0.0,
            "g_per_teu_km": 1000 * total_kg / emissions["teu_km"] if emissions["teu_km"] else 0.0,
        },
        "legs": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": leg["geometry"]},
                    "properties": {
                        **{k: v for k, v in leg.items() if k not in ("geometry", "ride")},
                        "seq": seq,
                        "departure_key": f"{leg['leg']}@{_utc_minute(leg['departure'])}",
                        "co2e_kg": round(leg["wtt_kg"] + leg["ttw_kg"], 2),
                    },
                }
                for seq, leg in enumerate(legs, start=1)
            ],
        },
        "hubs": itinerary["hubs"],
    }


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _utc_minute(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
