"""A stateful schemathesis run over the whole API, on SQLite and PostgreSQL: 0 5xx.

Schemathesis reads the OpenAPI document, infers which operations feed which (an id in one
response, a path parameter of another; Location headers), and lets Hypothesis chain calls into
scenarios: quote then book then cancel, a scenario made then patched, a webhook registered then
deleted. Every call goes with an admin key (every permission, so nothing stops at 403). The run
is bounded and derandomized (:data:`SCENARIOS` scenarios of at most :data:`STEPS` calls, again
if a run ends early, up to :data:`CALLS` calls); the only check is that no answer is a 5xx
(conformance is test_schema.py's).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Flaky
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful import run_state_machine_as_test

from app.roles import Role
from tests.app.conftest import make_key
from tests.app.test_schema import without_lifespan
from tests.figures import report

pytestmark = pytest.mark.anyio

SCENARIOS = 35
STEPS = 10
#: The run is repeated (at most three times) until this many calls were made.
CALLS = 250


async def test_stateful_run_over_the_whole_api_answers_no_5xx(
    app: FastAPI, database_url: str
) -> None:
    admin = make_key(database_url, "Fuzz Operations", Role.ADMIN)
    schema = schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))
    statuses: Counter[int] = Counter()
    operations: Counter[str] = Counter()
    server_errors: list[str] = []

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            # the generated Authorization (the schema names the bearer scheme) would be a
            # made-up key: every call goes with the admin key instead
            case.headers = {**(case.headers or {}), **admin}

        def after_call(self, response: Any, case: Any) -> None:
            statuses[response.status_code] += 1
            operations[f"{case.method} {case.path}"] += 1
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=[not_a_server_error])

    settings = hypothesis.settings(
        max_examples=SCENARIOS,
        stateful_step_count=STEPS,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
    )
    runs = 0
    while sum(statuses.values()) < CALLS and runs < 3:
        runs += 1
        try:
            run_state_machine_as_test(Machine, settings=settings)
        except Flaky:
            # the API keeps state between scenarios (what one scenario stored, the next one
            # lists), so Hypothesis replaying a scenario may find other choices open; like
            # schemathesis's own runner, take it as the end of that run, and run again
            continue
    kind = database_url.split(":", 1)[0]
    report(
        f"stateful fuzz ({kind}): {sum(statuses.values())} calls in {runs} run(s) over "
        f"{len(operations)} operations, statuses {dict(sorted(statuses.items()))}, "
        f"5xx: {len(server_errors)}"
    )
    assert not server_errors, "\n".join(server_errors)
    assert len(operations) >= 10, operations  # the run reached well beyond one corner
