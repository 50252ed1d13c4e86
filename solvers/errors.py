"""Typed errors of the solvers. No HTTP in them; the service maps them to problem+json."""

from __future__ import annotations

from collections.abc import Iterable


class RoutingError(Exception):
    """Base class of every error raised by ``solvers``."""


class InvalidRequest(RoutingError):
    """The request itself is malformed; ``problems`` lists (field, message) pairs."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.problems))
