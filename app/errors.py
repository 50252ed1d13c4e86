"""What the service raises when a request cannot be done: a problem type, not an HTTP answer.

Services, repositories and jobs raise :class:`ServiceError` with one of the problem types of
:mod:`app.problem_types` (a stable slug clients switch on); the API (``app/api/problems.py``)
answers it as RFC 9457 problem+json with the type's status, and the command line prints it.
Nothing here imports the web stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from app.problem_types import PROBLEM_TYPES, ProblemType
from graph.errors import ScenarioError


class ServiceError(Exception):
    """A request the service cannot do: problem type, title, detail and the fields at fault."""

    def __init__(
        self,
        kind: ProblemType,
        title: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.slug, self.title, self.detail, self.errors = kind.value, title, detail, errors

    @property
    def status(self) -> int:
        """The HTTP status the API answers this problem type with."""
        return PROBLEM_TYPES[self.slug][0]


def invalid(field: str, message: str, detail: str | None = None) -> NoReturn:
    """An invalid request naming ``field`` (``body.…``, ``query.…``, ``path.…``)."""
    raise ServiceError(
        ProblemType.VALIDATION,
        "Invalid request",
        detail or f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


@contextmanager
def ops_named_as(field: str) -> Iterator[None]:
    """Scenario problems point at ``field`` of the request."""
    try:
        yield
    except ScenarioError as error:
        raise ServiceError(
            ProblemType.INVALID_SCENARIO,
            "The scenario does not apply",
            str(error),
            errors=[
                {"field": field, "item": p.item, "message": f"{p.field}: {p.message}"}
                for p in error.problems
            ],
        ) from error
