"""Request and response bodies of the HTTP API (pydantic v2), with examples for the docs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StrictInt,
    field_validator,
)

from app.problem_types import PROBLEM_TYPES
from graph import CargoClass, Mode
from solvers.types import HubRule, Preference

JSONObject = dict[str, Any]

#: Identifiers the service makes (q_…, bk_…, opt-…): anything else cannot name a stored row.
ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


def _printable(text: str) -> str:
    """Text a person wrote: no NUL or other control characters (line breaks and tabs allowed)."""
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        msg = "must not contain control characters"
        raise ValueError(msg)
    return text


#: Free text on documents (party names, references): printable and bounded.
Printable = Annotated[str, AfterValidator(_printable)]
ReferenceKey = Annotated[Printable, Field(min_length=1, max_length=64)]
ReferenceValue = Annotated[Printable, Field(max_length=200)]


#: The farthest a door point may be trucked from a terminal, in either form of the point.
MAX_REACH_KM = 1000.0


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """A page of a list; ``next_cursor`` continues it."""

    items: list[ItemT]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class Strict(BaseModel):
    """Bodies refuse unknown fields, so that a misspelt option is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# ---------------------------------------------------------------- quotes in
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


class ScenarioIn(Strict):
    """Patch operations applied to the network for this quote only (see data/README.md)."""

    name: str = Field(default="ad hoc", max_length=200)
    ops: list[JSONObject] = Field(max_length=200)


class QuoteIn(Strict):
    """A quote request. Times without an offset are read in the origin's local time."""

    model_config = ConfigDict(
        extra="forbid",
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


class ScenarioCreate(Strict):
    """A named scenario: patch operations over the base network (see data/README.md)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Pinglu Canal open",
                    "description": "The canal and its barge services from 2026-12-01",
                    "ops": [{"op": "enable", "tags": ["pinglu_canal"]}],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    description: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    ops: list[JSONObject] = Field(max_length=200)


class ScenarioPatch(Strict):
    """Changes to a scenario; new operations make a new version."""

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    description: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    ops: list[JSONObject] | None = Field(default=None, max_length=200)

    @field_validator("name")
    @classmethod
    def _keeps_a_name(cls, name: str | None) -> str:
        # run only for a name given: null would leave the scenario nameless
        if name is None:
            msg = "a scenario keeps a name: give one, or leave the field out"
            raise ValueError(msg)
        return name


class ScenarioVersionOut(BaseModel):
    """One version of a scenario."""

    version: int
    created_at: datetime
    base_network_version: str
    network_version: str = Field(description="The version of the network the ops make.")


class ScenarioOut(BaseModel):
    """A stored scenario at its current version, with its history."""

    id: str
    name: str
    description: str | None
    version: int
    ops: list[JSONObject]
    network_version: str
    created_at: datetime
    updated_at: datetime
    versions: list[ScenarioVersionOut]


class ScenarioPage(Page[ScenarioOut]):
    """A page of scenarios, newest first."""


# ---------------------------------------------------------------- quotes out
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


class QuotePage(Page[QuoteOut]):
    """A page of quotes, newest first."""


class QuoteLimitsOut(BaseModel):
    """What a quote request may ask, from the service's settings."""

    max_horizon_days: int = Field(
        description="Days after the ready date a quote searches at most; a form can refuse a "
        "ready date further ahead than this from today."
    )
    quote_validity_hours: float = Field(description="How long a quote can be booked.")


# ---------------------------------------------------------------- bookings
class PartyIn(Strict):
    """A party to the waybill."""

    name: Printable = Field(min_length=1, max_length=200)
    address: Printable | None = Field(default=None, max_length=500)
    contact: Printable | None = Field(default=None, max_length=200)
    tax_id: Printable | None = Field(
        default=None, max_length=64, description="e.g. USCC or VAT id."
    )


class BookingIn(Strict):
    """Book one option of a quote."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "quote_id": "q_0123456789abcdef",
                    "option_id": "opt-1",
                    "shipper": {"name": "Chongqing Machinery Export Co."},
                    "consignee": {"name": "Singapore Distribution Pte Ltd"},
                    "references": {"po": "PO-2026-118"},
                }
            ]
        },
    )

    quote_id: str = Field(pattern=ID_PATTERN)
    option_id: str = Field(pattern=ID_PATTERN)
    shipper: PartyIn
    consignee: PartyIn
    references: dict[ReferenceKey, ReferenceValue] = Field(default_factory=dict, max_length=20)


class ReservationOut(BaseModel):
    """TEU held on one departure."""

    departure_key: str
    leg: str
    teu: float


class BookingOut(BaseModel):
    """A booking: one through waybill for the whole journey."""

    id: str
    quote_id: str
    option_id: str
    waybill_number: str
    status: Literal["confirmed", "cancelled"]
    teu: float
    shipper: JSONObject
    consignee: JSONObject
    references: dict[str, str]
    created_at: datetime
    cancelled_at: datetime | None
    network_version: str
    reservations: list[ReservationOut]
    option: OptionOut


class BookingPage(Page[BookingOut]):
    """A page of bookings, newest first."""


class WaybillOut(BaseModel):
    """The through document (多式联运运单)."""

    waybill_number: str
    booking_id: str
    status: str
    issued_at: datetime
    carrier: str
    shipper: JSONObject
    consignee: JSONObject
    references: dict[str, str]
    place_of_receipt: str
    place_of_delivery: str
    place_names: dict[str, str] = Field(description="Each place code with its name.")
    cargo: JSONObject
    legs: list[LegPropertiesOut]
    eta: str = Field(
        description="When the box is available at the destination (local time): the booked "
        "option's arrival."
    )
    vehicle_arrival: str = Field(
        description="When the last vehicle reaches the destination terminal (local time)."
    )
    charges: list[PriceItemOut]
    total_cny: float
    total_usd: float
    co2e_kg: float
    network_version: str


# ---------------------------------------------------------------- network
class LocationOut(BaseModel):
    """A network location."""

    id: str
    name: str
    name_zh: str | None
    kind: str
    country: str
    tz: str
    lat: float
    lon: float
    unlocode: str | None
    city: str = Field(description="UN/LOCODE of the city the location serves.")
    city_name: str
    city_name_zh: str | None
    tags: list[str]


class LocationPage(BaseModel):
    """Locations matching a search, best first."""

    items: list[LocationOut]


class DepartureOut(BaseModel):
    """One dated departure of a service leg with its room."""

    departure_key: str
    leg: str
    from_: str = Field(alias="from")
    to: str
    departure: str
    arrival: str
    cutoff: str
    capacity_teu: float | None
    booked_teu: float
    available_teu: float | None
    on_demand: bool


class DeparturePage(BaseModel):
    """Departures of a service in a window."""

    service: str
    items: list[DepartureOut]


# ---------------------------------------------------------------- errors
class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(
        description="/problems/<slug>, stable for clients to switch on: "
        + ", ".join(f"`{slug}` ({status})" for slug, (status, _) in PROBLEM_TYPES.items())
        + "."
    )
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Each invalid field (validation problems)."
    )


#: Where the problem schema is in the OpenAPI document (one component, not a copy per answer).
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}


def problem_responses(
    *statuses: int, conflicts: tuple[str, ...] = ()
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problems an operation can answer, with their types.

    ``conflicts`` are the 409 types the operation answers (given with 409).
    """
    unknown = [slug for slug in conflicts if PROBLEM_TYPES.get(slug, (0, ""))[0] != 409]
    if unknown or bool(conflicts) != (409 in statuses):
        msg = f"give 409 with its conflict types, each a 409 type (not: {unknown})"
        raise ValueError(msg)
    words = {
        400: "The body cannot be read (not UTF-8, or not valid JSON)",
        401: "No or an invalid API key",
        403: "The key's role does not allow this",
        404: "Not found (or another organisation's)",
        409: "Conflicts with the current state",
        413: "The upload is too large",
        415: "The body is not application/json",
        422: "Invalid input; each field is named in errors[].field",
        429: "The key's rate limit is spent; retry after Retry-After seconds",
        503: "The database cannot be reached; retry after Retry-After seconds",
    }
    return {
        status: problem_response(words[status], status, conflicts if status == 409 else None)
        for status in statuses
    }


def problem_response(
    summary: str, status: int, slugs: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """One problem answer: what it means and the types it may carry (all of its status's)."""
    types = "; ".join(
        f"`/problems/{slug}`: {meaning}"
        for slug, (code, meaning) in PROBLEM_TYPES.items()
        if code == status and (slugs is None or slug in slugs)
    )
    return {
        "description": f"{summary}. {types}." if types else summary,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }


# ---------------------------------------------------------------- jobs
class JobOut(BaseModel):
    """A long piece of work: status, progress, and its result or error when it ends."""

    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(description="0 to 1.")
    message: str | None
    attempts: int
    result: JSONObject | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class StudyIn(Strict):
    """A planning study: scenarios compared on one demand matrix."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Pinglu Canal opening",
                    "scenarios": [
                        "base",
                        {"name": "canal open", "ops": [{"op": "enable", "tags": ["pinglu_canal"]}]},
                    ],
                    "demand": "default",
                    "value_of_time_cny_per_teu_hour": 5,
                    "capacity": True,
                }
            ]
        },
    )

    name: str = Field(default="study", min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    scenarios: list[Annotated[str, Field(pattern=ID_PATTERN)] | ScenarioIn] = Field(
        min_length=1,
        max_length=8,
        description='"base", the id of a stored scenario (its current version), or an inline '
        '{"name", "ops"}; the first is the reference the others are compared with.',
    )
    demand: Annotated[str, Field(pattern=ID_PATTERN)] = Field(
        default="default",
        description='"default" (the bundled matrix, data/demand/) or the id of an uploaded '
        "demand matrix.",
    )
    value_of_time_cny_per_teu_hour: float | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="What an hour of transit costs per TEU, in CNY: the weight of time in the "
        "generalized cost. Default: the value the base year was calibrated with (its "
        "calibration table is in the result), so that the base reproduces the published "
        "volumes; quotes default to the catalogue's, about 95, the cost of a day in transit "
        "for average-value cargo.",
    )
    co2_price_cny_per_t: float = Field(
        default=0, ge=0, le=100_000, description="Carbon price; 0 reports CO2e without pricing."
    )
    start: date | None = Field(
        default=None, description="First day of the study year (default: today, UTC)."
    )
    days: StrictInt = Field(default=365, ge=7, le=366)
    capacity: bool = Field(
        default=True,
        description="Solve the capacitated assignment (and the all-or-nothing one beside it); "
        "false: all-or-nothing only.",
    )
    sensitivity: bool = Field(
        default=False,
        description="Also run every scenario at half and twice the value of time; each "
        "comparison then says which of its conclusions keep their sign (robust).",
    )
    published_capacity: bool = Field(
        default=True,
        description="Give the services the capacity they carried in the base year, from "
        "published train counts and throughputs (data/base_year.toml), instead of the "
        "timetable's representative departures alone.",
    )


class StudyOut(BaseModel):
    """A study: its job's status and progress, and the comparison once it has succeeded."""

    id: str
    name: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    message: str | None
    error: str | None
    scenarios: list[JSONObject]
    demand: JSONObject
    created_at: datetime
    finished_at: datetime | None
    result: JSONObject | None
    links: dict[str, str]


class StudyPage(Page[StudyOut]):
    """A page of studies, newest first."""


class DemandMatrixOut(BaseModel):
    """A demand matrix: TEU per year by origin, destination and cargo class."""

    id: str
    name: str
    description: str | None
    pairs: int
    total_teu: float
    origins: int
    destinations: int
    created_at: datetime | None


class DemandMatrixPage(Page[DemandMatrixOut]):
    """Demand matrices: the bundled default first, then uploads newest first."""


# ---------------------------------------------------------------- tracking
class EventIn(Strict):
    """A DCSA-style event on one leg of a booking's itinerary."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "classifier": "ACT",
                    "code": "DEPA",
                    "leg_seq": 1,
                    "event_time": "2026-12-07T22:10:00+08:00",
                }
            ]
        },
    )

    classifier: Literal["PLN", "EST", "ACT"] = Field(
        description="PLN planned, EST estimated, ACT actual."
    )
    code: Literal["DEPA", "ARRI", "GTIN", "LOAD", "DISC", "GTOT"] = Field(
        description="Transport DEPA/ARRI; equipment GTIN and LOAD at the leg's origin, DISC and "
        "GTOT at its destination."
    )
    leg_seq: StrictInt = Field(
        ge=1, le=50, description="The leg of the itinerary, 1 for the first."
    )
    location: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Where it happened: the leg's origin or destination (default: that one).",
    )
    event_time: AwareDatetime
    description: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00]*$")


class EventOut(BaseModel):
    """A recorded event."""

    id: str
    classifier: str
    code: str
    leg_seq: int
    location: str
    event_time: datetime
    description: str | None
    recorded_at: datetime


class LegEstimateOut(BaseModel):
    """A leg's estimated times and what they rest on (PLN, EST or ACT)."""

    seq: int
    leg: str
    departure: datetime
    arrival: datetime
    departure_basis: str
    arrival_basis: str
    delay_minutes: int
    missed_connection: bool
    rebooked_departure: datetime | None


class TrackingOut(BaseModel):
    """The booking's estimate from its plan and events."""

    eta: datetime = Field(
        description="When the box is estimated to be available at the destination."
    )
    vehicle_eta: datetime = Field(
        description="When the last vehicle is estimated to reach the destination terminal."
    )
    planned_arrival: datetime = Field(description="The booked option's arrival.")
    planned_vehicle_arrival: datetime = Field(description="The booked option's vehicle_arrival.")
    delay_minutes: int
    missed_connections: list[int]
    legs: list[LegEstimateOut]


class EventRecorded(BaseModel):
    """An event and the booking's estimate after it."""

    event: EventOut
    tracking: TrackingOut


class EventStream(BaseModel):
    """A booking's events in time order, and its estimate."""

    events: list[EventOut]
    tracking: TrackingOut


# ---------------------------------------------------------------- webhooks
WebhookEvent = Literal[
    "booking.confirmed",
    "booking.cancelled",
    "booking.event",
    "booking.disrupted",
    "booking.rerouted",
]


class WebhookIn(Strict):
    """A webhook: where to send which events, and the secret that signs them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://dispatch.example.com/corridor",
                    "events": ["booking.confirmed", "booking.event"],
                    "secret": "whsec-change-me-to-32-random-chars",
                }
            ]
        },
    )

    url: HttpUrl
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(get_args(WebhookEvent)))
    secret: str = Field(
        min_length=16,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Signs every delivery (HMAC-SHA256); never shown again.",
    )


class WebhookOut(BaseModel):
    """A webhook (its secret is not shown)."""

    id: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookPage(Page[WebhookOut]):
    """Webhooks, newest first."""


class DeliveryOut(BaseModel):
    """One delivery of an event to a webhook."""

    id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: JSONObject


class DeliveryPage(Page[DeliveryOut]):
    """Deliveries, newest first."""


# ---------------------------------------------------------------- allocation
class AllocationShipmentIn(Strict):
    """A shipment of a batch: where from and to, when ready, by when, what."""

    id: str = Field(pattern=ID_PATTERN, description="Your reference, unique in the batch.")
    origin: str = Field(pattern=ID_PATTERN)
    destination: str = Field(pattern=ID_PATTERN)
    ready: str = Field(max_length=40, description="ISO 8601; local time of the origin if bare.")
    deadline: str | None = Field(default=None, max_length=40, description="Wanted arrival.")
    cargo: CargoIn = Field(default_factory=CargoIn)


class AllocationIn(Strict):
    """A batch of shipments to place on departures that have room."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "shipments": [
                        {
                            "id": "PO-1",
                            "origin": "CNCQI-TJC",
                            "destination": "SGSIN",
                            "ready": "2026-12-07",
                            "deadline": "2026-12-20",
                            "cargo": {"box": "42G1", "count": 1},
                        }
                    ],
                    "late_cny_per_teu_hour": 20,
                }
            ]
        },
    )

    shipments: list[AllocationShipmentIn] = Field(
        min_length=1,
        max_length=5000,
        description="Up to 200 are answered at once; a larger batch runs as a job.",
    )
    late_cny_per_teu_hour: float = Field(
        ge=0,
        le=100_000,
        description="What an hour past a shipment's deadline costs per TEU (your policy).",
    )
    waves: StrictInt = Field(
        default=3, ge=1, le=6, description="Departure waves tried per shipment for candidates."
    )


class AllocationOut(BaseModel):
    """The optimal allocation beside the first-come greedy one."""

    status: str
    placed: int
    cost_cny: float
    lateness_cny: float
    objective_cny: float = Field(description="Cost + lateness + a penalty per unplaced shipment.")
    assignments: list[JSONObject]
    unplaced: list[JSONObject]
    greedy: JSONObject
    elapsed_s: float


# ---------------------------------------------------------------- disruptions
class DisruptionIn(Strict):
    """A part of the network closed for a window."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "target_type": "location",
                    "target": "CNQZH",
                    "kind": "port_closure",
                    "reason": "Typhoon signal No. 8",
                    "start": "2026-12-08T00:00:00+08:00",
                    "end": "2026-12-10T00:00:00+08:00",
                },
                {
                    "target_type": "location",
                    "target": "CNYYG",
                    "kind": "border_congestion",
                    "reason": "Fruit season queue at Youyiguan",
                    "start": "2026-12-08T00:00:00+08:00",
                    "end": "2026-12-12T00:00:00+08:00",
                    "added_dwell_hours": 18,
                },
            ]
        },
    )

    target_type: Literal["location", "service", "tag"]
    target: str = Field(pattern=ID_PATTERN)
    kind: Literal[
        "port_closure",
        "rail_interruption",
        "lock_outage",
        "road_closure",
        "border_congestion",
        "port_congestion",
        "other",
    ] = Field(
        description="Congestion kinds keep the place open and need added_dwell_hours; "
        "the others close what they target."
    )
    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")
    start: AwareDatetime
    end: AwareDatetime
    added_dwell_hours: float | None = Field(
        default=None,
        gt=0,
        le=720,
        description="Congestion: hours a box arriving in the window waits longer (not past "
        "the window's end).",
    )


class RerouteFromOut(BaseModel):
    """Where a re-route starts: the cargo's place, when it is ready there, why."""

    location: str
    ready: str
    from_seq: int = Field(description="The first leg replaced; earlier legs are kept.")
    reason: str


class RerouteProposalOut(BaseModel):
    """A new itinerary for a booking from where its cargo is; accept it to move the booking."""

    id: str
    booking_id: str
    disruption_id: str | None
    status: Literal["open", "accepted", "superseded"]
    rank: int
    created_at: datetime
    expires_at: datetime
    network_version: str
    from_: RerouteFromOut = Field(alias="from")
    summary: str
    labels: list[str]
    arrival: str = Field(description="When the box would be available at the destination.")
    vehicle_arrival: str = Field(description="When the last vehicle would reach the destination.")
    planned_arrival: str = Field(description="The booking's arrival as it stands.")
    delay_minutes: int = Field(description="Arrival against the booking's planned arrival.")
    deadline: str | None
    meets_deadline: bool | None = Field(description="None when the booking has no deadline.")
    late_minutes: int | None
    price_total_cny: float = Field(description="The through price after re-routing.")
    remainder_price_cny: float = Field(description="The new itinerary's price from the cargo.")
    price_change_cny: float = Field(description="Through price after minus before.")
    co2e_kg: float
    legs: LegsOut = Field(description="The whole journey: kept legs, then the new ones.")


class ProposalList(BaseModel):
    """A booking's open proposals (best first), or why there are none."""

    items: list[RerouteProposalOut]
    note: str | None = None


class RerouteIn(Strict):
    """Accept a re-route proposal."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"proposal_id": "rp_0123456789abcdef"}]}
    )

    proposal_id: str = Field(pattern=ID_PATTERN)


class AffectedBookingOut(BaseModel):
    """A booking with legs a disruption stops, and proposals from where its cargo is."""

    booking_id: str
    waybill_number: str
    legs: list[int] = Field(description="Seqs of the legs the disruption stops.")
    proposals: list[RerouteProposalOut]
    note: str | None = Field(description="Why there is no proposal, when there is none.")


class DisruptionOut(BaseModel):
    """A disruption; ``affected_bookings`` lists the caller's bookings it stops."""

    id: str
    scope: Literal["network", "organisation"] = Field(
        description="network: declared by the network operator, every quote avoids it; "
        "organisation: declared by a customer's dispatcher for its own bookings only."
    )
    target_type: str
    target: str
    kind: str
    reason: str
    added_dwell_hours: float | None
    start: datetime
    end: datetime
    status: Literal["active", "closed"]
    created_at: datetime
    closed_at: datetime | None
    affected_bookings: list[AffectedBookingOut] | None
    affected_next_cursor: str | None = Field(
        description="More affected bookings: GET /v1/disruptions/{id}/affected-bookings?cursor="
    )


class DisruptionPage(Page[DisruptionOut]):
    """Disruptions, newest first."""


# ---------------------------------------------------------------- API keys
RoleName = Literal["forwarder", "dispatcher", "planner", "admin", "network_operator"]
#: Roles an organisation's admin may issue: the network operator's is granted on the server.
IssuableRole = Literal["forwarder", "dispatcher", "planner", "admin"]


class KeyIn(Strict):
    """A new API key of the caller's organisation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "dispatcher", "label": "TMS integration"}]},
    )

    role: IssuableRole
    label: str | None = Field(
        default=None, max_length=200, description="A note to recognise the key by."
    )


class KeyOut(BaseModel):
    """An API key (never its secret)."""

    id: str
    role: RoleName
    label: str | None
    active: bool
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    """A new key with its token, shown only in this answer."""

    token: str = Field(description="Send as `Authorization: Bearer <token>`; not shown again.")


class KeyPage(Page[KeyOut]):
    """API keys, newest first."""


class OrganisationOut(BaseModel):
    """An organisation."""

    id: str
    name: str


class CallerOut(BaseModel):
    """Who the key belongs to and what it may do."""

    organisation: OrganisationOut
    key: KeyOut
    permissions: list[str]


class AffectedPage(Page[AffectedBookingOut]):
    """The caller's bookings a disruption stops, oldest first, each with re-route proposals."""


class NetworkReloadOut(BaseModel):
    """The network this process serves after a reload, and the one it replaced."""

    network_version: str
    previous_version: str
    changed: bool
    locations: int
    service_legs: int
