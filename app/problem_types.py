"""The problem types the API answers: a plain table, importable without the web stack."""

from __future__ import annotations

from enum import StrEnum

#: Every problem type the API answers, by slug (``/problems/<slug>``): its status and what it
#: means. Stable for clients to switch on; the OpenAPI document lists them per status, and a test
#: checks that each problem raised in app/ is here with its status.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "malformed-json": (400, "the body is not valid JSON"),
    "unauthenticated": (401, "no API key, or an invalid or revoked one"),
    "forbidden": (403, "the key's role does not allow this"),
    "not-found": (404, "no such resource, or another organisation's"),
    "unknown-location": (404, "no location with that id in the network"),
    "unknown-service": (404, "no service with that id in the network"),
    "unknown-service-leg": (404, "no service leg with that id in the network"),
    "unknown-tariff": (404, "no catalogue item with that code"),
    "method-not-allowed": (405, "the path does not take this method"),
    "booking-cancelled": (409, "the booking is cancelled: no events, re-routes or changes"),
    "capacity-exhausted": (409, "a departure of the option has no room left for the boxes"),
    "default-demand-unusable": (409, "the bundled demand matrix does not fit this network"),
    "base-year-unusable": (
        409,
        "the base year's data (data/base_year.toml) does not fit the network",
    ),
    "departure-passed": (409, "the first departure's cut-off has passed: quote again"),
    "last-admin-key": (409, "the organisation's last admin key cannot be revoked"),
    "network-version-mismatch": (409, "the network file gives another version than asked"),
    "quote-expired": (409, "the quote's prices no longer hold: quote again"),
    "reload-in-progress": (409, "another network reload is running"),
    "scenario-name-taken": (409, "the organisation has a scenario with this name"),
    "scenario-quote": (409, "a quote under a scenario is a what-if and cannot be booked"),
    "stale-proposal": (409, "the re-route proposal expired, or the cargo or network moved on"),
    "stale-quote": (409, "a leg of the quote no longer runs as quoted, or a price changed"),
    "study-not-finished": (409, "the study has no results yet"),
    "webhook-inactive": (409, "the webhook is deleted: nothing is sent to it"),
    "too-large": (413, "the upload is too large"),
    "unsupported-media-type": (415, "the body is not application/json"),
    "validation": (422, "invalid input; each field is named in errors[].field"),
    "idempotency-key-reused": (422, "the Idempotency-Key was used for another request"),
    "invalid-demand": (422, "the demand matrix has problems, each row listed"),
    "invalid-network-data": (422, "the network data does not validate, each problem listed"),
    "invalid-scenario": (422, "the scenario does not apply, each operation's problem listed"),
    "rate-limited": (429, "the key's rate limit is spent; retry after Retry-After seconds"),
    "internal": (500, "an unexpected error (logged with the request id)"),
    "database-unavailable": (503, "the database cannot be reached; retry after Retry-After"),
    "not-ready": (503, "the service is not ready: the database does not answer"),
}


class ProblemType(StrEnum):
    """The problem types as names to raise with (:class:`app.errors.ServiceError`)."""

    MALFORMED_JSON = "malformed-json"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not-found"
    UNKNOWN_LOCATION = "unknown-location"
    UNKNOWN_SERVICE = "unknown-service"
    UNKNOWN_SERVICE_LEG = "unknown-service-leg"
    UNKNOWN_TARIFF = "unknown-tariff"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    BOOKING_CANCELLED = "booking-cancelled"
    CAPACITY_EXHAUSTED = "capacity-exhausted"
    DEFAULT_DEMAND_UNUSABLE = "default-demand-unusable"
    BASE_YEAR_UNUSABLE = "base-year-unusable"
    DEPARTURE_PASSED = "departure-passed"
    LAST_ADMIN_KEY = "last-admin-key"
    NETWORK_VERSION_MISMATCH = "network-version-mismatch"
    QUOTE_EXPIRED = "quote-expired"
    RELOAD_IN_PROGRESS = "reload-in-progress"
    SCENARIO_NAME_TAKEN = "scenario-name-taken"
    SCENARIO_QUOTE = "scenario-quote"
    STALE_PROPOSAL = "stale-proposal"
    STALE_QUOTE = "stale-quote"
    STUDY_NOT_FINISHED = "study-not-finished"
    WEBHOOK_INACTIVE = "webhook-inactive"
    TOO_LARGE = "too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    VALIDATION = "validation"
    IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused"
    INVALID_DEMAND = "invalid-demand"
    INVALID_NETWORK_DATA = "invalid-network-data"
    INVALID_SCENARIO = "invalid-scenario"
    RATE_LIMITED = "rate-limited"
    INTERNAL = "internal"
    DATABASE_UNAVAILABLE = "database-unavailable"
    NOT_READY = "not-ready"
