"""Schemathesis against the app's own OpenAPI schema, in-process, on SQLite and PostgreSQL.

Every operation is fuzzed in three passes: inputs that fit the schema (positive), inputs that
break it (negative), and positive inputs steered onto what exists (network ids, a stored quote,
bookings) and onto well-formed values the generator would rarely hit (dates, cursors, scenarios),
so that requests get past the 404s and 422s into the solver and the database. Examples are
bounded and derandomized: the same inputs on every run. The forwarder key (every permission)
goes with every call; only negative cases that drop the Authorization header on purpose (the
schema requires it) go without, and must then answer the documented 401.

No response may be a 5xx, and every response must conform to the schema: a documented status
code and content type, documented headers, a body that matches the documented schema.
"""

from __future__ import annotations

import base64
import json
import traceback
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote as percent_encoded

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from graph import Network
from tests.conftest import ROOT

pytestmark = pytest.mark.anyio

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Operation = APIOperation[Any, Any, Any, Any]
Case = schemathesis.Case[Operation]

EXAMPLES = hypothesis.settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
    # no shrinking: shrinking a failure through the solver takes minutes; the report names the
    # failing input as generated, with a curl command
    phases=[Phase.explicit, Phase.generate],
)
#: The steered quote pass gets more: it is the one that reaches the solver with odd inputs.
QUOTE_EXAMPLES = 60

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

#: Where the app's own code lives, for short tracebacks of its errors.
PROJECT = {"app", "graph", "solvers"}


def without_lifespan(app: FastAPI) -> ASGIApp:
    """``app`` as schemathesis's ASGI client should see it.

    The client would start the lifespan a second time (on its own event loop thread), and
    replace the network and engine the ``app`` fixture put on ``app.state``; here lifespan
    messages are acknowledged and never reach the app.
    """

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return asgi


@dataclass(frozen=True)
class Known:
    """What exists: network ids, and the forwarder's stored quote and bookings."""

    locations: list[str]
    services: list[str]
    legs: list[str]
    tags: list[str]
    quote: str
    options: list[str]
    bookings: list[str]

    @classmethod
    def of(cls, network: Network, quote: dict[str, Any], bookings: list[str]) -> Known:
        legs = network.legs.values()
        return cls(
            locations=sorted(network.locations),
            services=sorted({leg.service for leg in legs}),
            legs=sorted(network.legs),
            tags=sorted({tag for leg in legs for tag in leg.tags}),
            quote=quote["id"],
            options=[option["id"] for option in quote["options"]],
            bookings=bookings,
        )


OFFSETS = [timezone(timedelta(hours=hours)) for hours in (-12, 0, 8, 14)]


def moments() -> st.SearchStrategy[str]:
    """ISO 8601 dates and date-times: the coming weeks, and any other from year 1 to 9999."""
    today = datetime.now(UTC).date()
    return st.one_of(
        st.integers(-3, 60).map(lambda days: (today + timedelta(days=days)).isoformat()),
        st.dates().map(date.isoformat),
        instants(),
        st.datetimes().map(datetime.isoformat),  # no offset: the origin's local time
    )


def instants() -> st.SearchStrategy[str]:
    """ISO 8601 date-times with a UTC offset, from year 1 to 9999."""
    return st.datetimes(timezones=st.sampled_from(OFFSETS)).map(datetime.isoformat)


def cursors() -> st.SearchStrategy[str]:
    """Cursors shaped like those of a previous page (base64 JSON ``[created_at, id]``)."""
    ids = st.one_of(st.text(max_size=20), st.integers(), st.none(), st.lists(st.integers()))
    return st.builds(
        lambda moment, ident: (
            base64.urlsafe_b64encode(json.dumps([moment, ident]).encode()).decode().rstrip("=")
        ),
        moments(),
        ids,
    )


def scenario_ops(known: Known) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Scenario operations that parse, with fuzzed numbers and windows."""
    targets = st.fixed_dictionaries(
        {"ids": st.lists(st.sampled_from(known.legs), min_size=1, max_size=3)},
        optional={"tags": st.lists(st.sampled_from(known.tags), min_size=1, max_size=2)},
    )
    number = st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False)

    def op(name: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.builds(
            lambda chosen, extra: {"op": name, **chosen, **extra},
            targets,
            st.fixed_dictionaries(fields),
        )

    return st.lists(
        st.one_of(
            op("enable"),
            op("disable"),
            op("adjust_transit", hours=number),
            op("adjust_transit", factor=number),
            op("adjust_capacity", capacity_teu=st.integers(1, 10**9)),
            op("adjust_capacity", factor=number),
            st.fixed_dictionaries(
                {
                    "op": st.just("close"),
                    "target": st.sampled_from(known.locations + known.legs),
                    "start": moments(),
                    "end": moments(),
                }
            ),
        ),
        max_size=3,
    )


Overlay = dict[str, st.SearchStrategy[Any]]


def steered(operation: Operation, known: Known) -> st.SearchStrategy[Case] | None:
    """Positive cases of ``operation`` with ids of what exists, and well-formed but unusual
    values where generated ones would be refused before reaching the code behind them
    (cursors, quote dates and scenarios). ``None``: nothing to steer."""
    ids = {
        "location_id": known.locations,
        "service_id": known.services,
        "quote_id": [known.quote],
        "booking_id": known.bookings,
    }
    path: Overlay = {
        name: st.one_of(st.sampled_from(values), st.text(min_size=1, max_size=20)).map(segment)
        for name, values in ids.items()
        if f"{{{name}}}" in operation.path
    }
    query: Overlay = {}
    if "cursor" in operation.query:
        query["cursor"] = cursors()
    if "from" in operation.query:
        query |= {"from": instants(), "to": instants()}
    body: Overlay = {}
    if operation.label == "POST /v1/quotes":
        point = st.fixed_dictionaries(
            {"lat": st.floats(-90, 90), "lon": st.floats(-180, 180)},
            optional={"max_km": st.floats(0, 1000, exclude_min=True)},
        )
        place = st.one_of(st.sampled_from(known.locations), point)
        body = {"origin": place, "destination": place, "ready": moments()}
        body |= {  # none: left out (a generated value would be refused before the solver)
            "deadline": st.one_of(st.none(), moments()),
            "horizon_days": st.one_of(st.none(), st.integers(1, 56)),
            "scenario": st.fixed_dictionaries({"ops": scenario_ops(known)}),  # ops may be []
        }
    if operation.label == "POST /v1/bookings":
        body = {"quote_id": st.just(known.quote), "option_id": st.sampled_from(known.options)}
    if not (path or query or body):
        return None
    return st.builds(
        _steer,
        operation.as_strategy(),
        st.fixed_dictionaries(path),
        st.fixed_dictionaries({}, optional=query),
        st.fixed_dictionaries(body),
    )


def segment(value: str) -> str:
    """``value`` as one path segment, percent-encoded like generated path parameters (dots
    too: ``.`` and ``..`` would be resolved away)."""
    return percent_encoded(value, safe="").replace(".", "%2E")


def _steer(case: Case, path: dict[str, Any], query: dict[str, Any], body: dict[str, Any]) -> Case:
    if path:
        case.path_parameters = {**case.path_parameters, **path}
    if query:
        case.query = {**(case.query or {}), **query}
    if body:
        assert isinstance(case.body, dict)
        overlay = {name: value for name, value in body.items() if value is not None}
        case.body = {
            **{name: value for name, value in case.body.items() if name not in body},
            **overlay,
        }
    return case


def passes(
    operation: Operation, known: Known
) -> Iterator[tuple[str, st.SearchStrategy[Case], hypothesis.settings]]:
    """The fuzzing passes of ``operation``: name, cases, and settings."""
    yield "positive", operation.as_strategy(), EXAMPLES
    if any(operation.iter_parameters()) or len(operation.body):  # else there is nothing to break
        negative = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
        yield "negative", negative, EXAMPLES
    steering = steered(operation, known)
    if steering is not None:
        more = operation.label == "POST /v1/quotes"
        settings = hypothesis.settings(EXAMPLES, max_examples=QUOTE_EXAMPLES) if more else EXAMPLES
        yield "steered", steering, settings


def describe(exc: BaseException) -> str:
    """A failure as text: schemathesis's report (response, curl), or the error the app raised
    (its frames in this project) and the curl command that reproduces it."""
    notes = "\n".join(  # Hypothesis's own note cannot print a Case
        note for note in getattr(exc, "__notes__", ()) if not note.startswith("Failing test case")
    )
    if isinstance(exc, FailureGroup):
        return f"{exc}\n{notes}"
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(describe(inner) for inner in exc.exceptions)
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).is_relative_to(ROOT)
        and Path(frame.filename).relative_to(ROOT).parts[0] in PROJECT
    ]
    where = "".join(traceback.format_list(frames))
    return f"{where}{type(exc).__name__}: {exc}\n{notes}"


async def test_api_conforms_to_its_schema_and_never_answers_5xx(
    app: FastAPI, client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    ready = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    body = {"origin": "DP", "destination": "PB", "ready": ready, "cargo": {"box": "22G1"}}
    made = await client.post("/v1/quotes", json=body, headers=forwarder)
    assert made.status_code == 201, made.text
    quote = made.json()
    bookings = []
    for _ in range(2):  # one stays confirmed, one is cancelled
        booking = {
            "quote_id": quote["id"],
            "option_id": quote["options"][0]["id"],
            "shipper": {"name": "Chongqing Machinery Export Co."},
            "consignee": {"name": "Bravo Trading Pte Ltd"},
        }
        made = await client.post("/v1/bookings", json=booking, headers=forwarder)
        assert made.status_code == 201, made.text
        bookings.append(made.json()["id"])
    cancelled = await client.post(f"/v1/bookings/{bookings[1]}/cancel", headers=forwarder)
    assert cancelled.status_code == 200, cancelled.text
    known = Known.of(app.state.running.network, quote, bookings)

    schema = schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))
    failures: list[str] = []
    # PostgreSQL gets the first inputs of the same derandomized runs: what differs there is the
    # database's side (types, constraints, locks), which the first inputs of each pass reach
    scale = 0.4 if app.state.running.engine.dialect.name == "postgresql" else 1.0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"an operation the schema does not describe properly: {result.err()}")
            continue
        operation = result.ok()
        for name, cases, full in passes(operation, known):
            settings = hypothesis.settings(full, max_examples=round(full.max_examples * scale))

            @settings
            @given(case=cases)
            def fuzz(case: Case) -> None:
                case.call_and_validate(headers=forwarder, checks=CHECKS)

            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup is no Exception
                failures.append(f"{operation.label} ({name} inputs)\n{describe(exc)}")
    assert not failures, "\n\n".join(failures)
