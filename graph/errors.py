"""Typed errors raised by the network model. No HTTP, no exit codes: callers map them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the data, named precisely enough to fix it.

    Parameters
    ----------
    where
        The file or collection the problem is in (``network``, ``tariffs``, ``scenario`` ...).
    item
        The feature, tariff code or patch operation at fault (``""`` for the whole file).
    field
        The property at fault (``""`` when the whole item is at fault).
    message
        What is wrong, in words a data editor can act on.
    """

    where: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        location = "/".join(part for part in (self.item, self.field) if part)
        return (
            f"{self.where}: {location}: {self.message}"
            if location
            else (f"{self.where}: {self.message}")
        )


class NetworkError(Exception):
    """Base class of every error raised by ``graph``."""


class NetworkValidationError(NetworkError):
    """The data does not describe a valid network; ``problems`` lists every reason at once."""

    #: What the message says the problems are in.
    subject = "the network data"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = self._ordered(problems)
        count = len(self.problems)
        head = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {self.subject}:\n{head}")

    @staticmethod
    def _ordered(problems: Iterable[Problem]) -> tuple[Problem, ...]:
        """The problems without repeats, sorted by file, item and field."""
        return tuple(sorted(set(problems)))


class ScenarioError(NetworkValidationError):
    """A scenario patch does not apply to its base network; ``problems`` names each operation."""


class DemandError(NetworkValidationError):
    """A demand matrix does not read against its network; ``problems`` names each row and column.

    Problems keep the order of the file (row 10 after row 9), which a sort by text would not.
    """

    subject = "the demand matrix"

    @staticmethod
    def _ordered(problems: Iterable[Problem]) -> tuple[Problem, ...]:
        """The problems without repeats, in the order they were found."""
        return tuple(dict.fromkeys(problems))


class UnknownLocation(NetworkError, KeyError):
    """No location with this id in the network."""

    def __init__(self, location_id: str) -> None:
        super().__init__(f"no location with id {location_id!r} in the network")
        self.location_id = location_id

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownServiceLeg(NetworkError, KeyError):
    """No service leg with this id in the network."""

    def __init__(self, leg_id: str) -> None:
        super().__init__(f"no service leg with id {leg_id!r} in the network")
        self.leg_id = leg_id

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownService(NetworkError, KeyError):
    """No service (line or train) with this id in the network."""

    def __init__(self, service_id: str) -> None:
        super().__init__(f"no service with id {service_id!r} in the network")
        self.service_id = service_id

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownTariff(NetworkError, KeyError):
    """No fee-catalogue item with this code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no fee-catalogue item with code {code!r}")
        self.code = code

    def __str__(self) -> str:
        return str(self.args[0])
