"""The problem types the API answers: a plain table, importable without the web stack."""

from __future__ import annotations

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
