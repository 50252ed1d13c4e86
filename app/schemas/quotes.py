"""Quote requests and the quotes, options, prices and legs that answer them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.schemas.common import ID_PATTERN, JSONObject, Strict
from app.schemas.scenarios import ScenarioIn
from graph import CargoClass, Mode
from solvers.types import HubRule, Preference

#: The farthest a door point may be trucked from a terminal, in either form of the point.
MAX_REACH_KM = 1000.0


class PointIn(Strict):
    """A place that is not a network location: trucks reach terminals within ``max_km``."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    max_km: float = Field(default=50.0, gt=0, le=MAX_REACH_KM, description="Trucking radius in km.")


class CargoIn(Strict):
    """What is shipped: boxes of one ISO 6346 size-type, or bulk tonnes."""

    box: str | None = Field(
        default="42G1",
        pattern=r"^[0-9A-Z]{4}$",
        description="ISO 6346 size-type code: 22G1, 42G1, 45G1, 45R1, ...",
    )
    count: StrictInt = Field(default=1, ge=1, le=1000, description="Number of boxes.")
    cargo_class: CargoClass = Field(
        default=CargoClass.DRY, description="dry, reefer, dangerous or bulk (a reefer box: reefer)."
    )
    weight_t: float | None = Field(default=None, gt=0, le=40, description="Gross tonnes per box.")
    imdg: str | None = Field(default=None, max_length=8, description="IMDG class (dangerous).")
    bulk_tonnes: float | None = Field(default=None, gt=0, description="Tonnes of bulk cargo.")


class FiltersIn(Strict):
    """Restrictions on the itineraries, as on Routescanner."""

    modes: list[Mode] | None = Field(default=None, description="Allowed modes (all if absent).")
    max_transfers: StrictInt | None = Field(default=None, ge=0, le=10)
    required_hubs: list[str] = Field(default_factory=list, max_length=10)
    hub_rule: HubRule = Field(default=HubRule.ALL, description="Pass all or any required hub.")
    excluded_hubs: list[str] = Field(default_factory=list, max_length=50)
    required_operators: list[str] = Field(default_factory=list, max_length=20)
    excluded_operators: list[str] = Field(default_factory=list, max_length=20)
    include_statuses: list[Literal["unconfirmed", "sanctioned"]] = Field(
        default_factory=list,
        max_length=2,
        description="Also offer services whose running is unconfirmed, or whose operator is on "
        "a sanctions list (each option's legs name the status and the list).",
    )


class QuoteIn(Strict):
    """A quote request. Times without an offset are read in the origin's local time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "origin": "CNCQI-TJC",
                    "destination": "SGSIN",
                    "ready": "2026-12-07",
                    "cargo": {"box": "42G1", "count": 2},
                    "preference": "balanced",
                }
            ]
        },
    )

    origin: str | PointIn = Field(
        description="UN/LOCODE-style location id, or a point (object, or 'lat,lon@NNkm')."
    )
    destination: str | PointIn
    ready: str = Field(
        max_length=40, description="ISO 8601 date or date-time when the cargo is ready."
    )
    deadline: str | None = Field(default=None, max_length=40, description="Latest arrival.")
    cargo: CargoIn = Field(default_factory=CargoIn)
    filters: FiltersIn = Field(default_factory=FiltersIn)
    max_price_cny: float | None = Field(default=None, gt=0, le=1e10)
    max_co2e_kg: float | None = Field(default=None, gt=0, le=1e10)
    preference: Preference = Preference.BALANCED
    value_of_time_cny_per_teu_hour: float | None = Field(
        default=None,
        ge=0,
        le=1e6,
        description="What an hour until arrival costs the cargo's owner, for the balanced "
        "recommendation; default the catalogue's value of time (0.6 % of an average TEU's "
        "cargo value per day, about 95 CNY per TEU-hour).",
    )
    horizon_days: StrictInt | None = Field(
        default=None, ge=1, description="Search horizon (default and maximum from the settings)."
    )
    scenario: ScenarioIn | None = Field(default=None, description="Operations for this quote.")
    scenario_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="A stored scenario (its current version)."
    )


class PriceItemOut(BaseModel):
    """One line of the through price, from the fee catalogue."""

    code: str
    description: str
    description_zh: str | None = Field(
        default=None, description="The item's Chinese name in the fee catalogue, if it has one."
    )
    category: str
    quantity: float
    unit: str
    unit_price: float
    currency: str
    amount: float
    amount_cny: float
    applies_to: str
    source: list[str]
    estimate: bool


class PriceOut(BaseModel):
    """The through price (一口价) with its items."""

    total_cny: float
    total_usd: float
    usd_rate: float
    rates_date: str
    valid_until: str
    items: list[PriceItemOut]
    excluded: list[str] = Field(
        description="Charges this itinerary may incur that the catalogue has no figure for."
    )
    estimated_cny: float = Field(
        description="The part of the total resting on estimated items; the rest is published."
    )
    estimated_share: float = Field(description="estimated_cny / total_cny, 0 to 1.")


class EmissionsOut(BaseModel):
    """ISO 14083 well-to-wheel split."""

    wtt_kg: float
    ttw_kg: float
    hubs_kg: float
    g_per_tonne_km: float
    g_per_teu_km: float


class LineStringOut(BaseModel):
    """GeoJSON LineString (lon, lat)."""

    type: Literal["LineString"]
    coordinates: list[list[float]]


class LegPropertiesOut(BaseModel):
    """One leg as travelled."""

    leg: str
    seq: int
    from_: str = Field(alias="from")
    to: str
    mode: str
    service: str
    service_name: str | None
    operator: str
    operator_zh: str | None = Field(
        description="The operator's Chinese name; null where the network has none "
        "(a scenario's added service)."
    )
    departure: str
    arrival: str
    cutoff: str
    departure_key: str
    distance_km: float
    co2e_kg: float = Field(description="Well-to-wheel CO2e of this leg.")
    wtt_kg: float = Field(description="Well-to-tank part.")
    ttw_kg: float = Field(description="Tank-to-wheel part.")
    emission_factor: EmissionFactorOut | None = Field(
        description="The factor the CO2e comes from (data/emission_factors.toml)."
    )


class EmissionFactorOut(BaseModel):
    """An emission factor and where it comes from."""

    id: str
    name: str
    basis: Literal["t_km", "teu_km"] = Field(description="Per tonne-km or per TEU-km.")
    g_per_unit_km: float = Field(description="Well-to-wheel g CO2e per tonne- or TEU-km.")
    source: list[str] = Field(description="Source ids in data/sources.toml.")
    estimate: bool = Field(description="A proxy or derived value (its derivation is in the data).")


class LegFeatureOut(BaseModel):
    """A GeoJSON Feature per leg."""

    type: Literal["Feature"]
    geometry: LineStringOut
    properties: LegPropertiesOut


class LegsOut(BaseModel):
    """The itinerary's legs as one GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[LegFeatureOut]


class HubOut(BaseModel):
    """A stop between legs: handling, customs, emissions."""

    location: str
    arrival: str | None
    ready: str | None
    handling_hours: float
    customs: list[str]
    customs_hours: float
    co2e_kg: float


class OtherDepartureOut(BaseModel):
    """Another departure on an option's corridor."""

    id: str
    labels: list[str]
    departure: str
    arrival: str
    vehicle_arrival: str
    transit_hours: float
    price_total_cny: float
    co2e_kg: float
    services: list[str]


class OptionOut(BaseModel):
    """One routing option of a quote."""

    id: str
    labels: list[str]
    explanation: list[str]
    summary: str
    departure: str
    arrival: str = Field(
        description="When the box is available at the destination: after the last vehicle "
        "arrives, discharge, handling and import clearance (local time). Tracking's eta and "
        "planned_arrival are the same instant."
    )
    vehicle_arrival: str = Field(
        description="When the last vehicle reaches the destination terminal (local time); "
        "tracking's vehicle_eta and planned_vehicle_arrival are the same instant."
    )
    transit_hours: float
    transfers: int
    price: PriceOut
    co2e_kg: float
    emissions: EmissionsOut
    legs: LegsOut
    hubs: list[HubOut]
    departures: list[OtherDepartureOut] = Field(
        default_factory=list,
        description="Other departures on this option's corridor (another sailing or train), "
        "each bookable by its id.",
    )


class ReasonOut(BaseModel):
    """Why there is no (better) option."""

    code: str
    message: str
    earliest_arrival: str | None = None
    cheapest_cny: float | None = None
    least_co2e_kg: float | None = None
    fewest_transfers: int | None = None
    most_boxes: int | None = Field(
        default=None, description="shipment-too-large: the most of these boxes that go together."
    )


class QuoteOut(BaseModel):
    """A persisted quote."""

    id: str
    created_at: datetime
    expires_at: datetime
    network_version: str
    status: str
    solver: str
    elapsed_ms: float
    request: JSONObject
    ready: datetime | None = Field(
        description="The instant the search started from, local time at the origin: the ready "
        "time asked, or now if that was in the past (absent on quotes stored before 2026-12)."
    )
    notices: list[str] = Field(
        description="What the answer changed in the request, e.g. a ready time in the past."
    )
    options: list[OptionOut]
    reasons: list[ReasonOut]


def quote_out_json(view: Mapping[str, Any]) -> bytes:
    """The JSON of a quote as the API answers it, written without validating it as QuoteOut.

    ``view`` must hold what :class:`QuoteOut` would write (its fields in its order, a float
    wherever it declares one; ``app.mapping`` and ``app.services.quotes`` build it so), and
    then these are the bytes FastAPI writes through the response model: checking a quote's
    answer against the model cost more than writing it (tests/app/test_api.py compares the
    two). orjson writes them on the event loop in a third of pydantic-core's time; with
    ``OPT_UTC_Z`` its instants and non-finite floats (null) are written as pydantic writes them.
    """
    return orjson.dumps(view, option=orjson.OPT_UTC_Z)


class QuoteLimitsOut(BaseModel):
    """What a quote request may ask, from the service's settings."""

    max_horizon_days: int = Field(
        description="Days after the ready date a quote searches at most; a form can refuse a "
        "ready date further ahead than this from today."
    )
    quote_validity_hours: float = Field(description="How long a quote can be booked.")
