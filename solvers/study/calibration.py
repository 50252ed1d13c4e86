"""A base-year study against published volumes: the calibration table and the fit of its parameters.

A target (:class:`graph.base_year.Target`) counts something in a study's flows that a published
figure also counts: the TEU boarding a group of services, or the TEU lifted at a port. Its error
is the log ratio ln(modelled / published), symmetric for over- and under-prediction; a fit
minimises the sum of squared log errors over the ``fit`` targets (least squares on log errors,
as origin-destination and mode-choice calibrations do), and the ``check`` targets, held out,
say how well the fitted base predicts what it was not fitted to.

The fitted parameter is the value of time, the weight that decides between the corridors' slow
cheap and fast dear routes. It is searched on a log grid and refined by golden-section search
in the best grid interval: the error is a step function of it (flows move in whole routes), so a
gradient method would stall.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from graph import Mode
from graph.base_year import Measure, Role, Target
from solvers.study.flow import FlowResult

#: Values of time tried first, CNY per TEU-hour: 1 to about 1,000 on a log grid.
GRID = tuple(round(10 ** (k / 4), 3) for k in range(13))
#: Golden-section steps in the best grid interval (the interval shrinks to 0.618^steps).
REFINE_STEPS = 12


@dataclass(frozen=True, slots=True)
class TargetFit:
    """One target beside what a study modelled."""

    target: Target
    modelled: float

    @property
    def difference(self) -> float:
        """Modelled over published, less one."""
        return self.modelled / self.target.teu - 1

    @property
    def log_error(self) -> float:
        """ln(modelled / published); a target the study missed entirely counts as 1 TEU."""
        return math.log(max(self.modelled, 1.0) / self.target.teu)

    @property
    def within(self) -> bool:
        """Whether the difference is inside the target's tolerance."""
        return abs(self.difference) <= self.target.tolerance

    def to_data(self) -> dict[str, Any]:
        """A row of the calibration table."""
        target = self.target
        return {
            "target": target.id,
            "name": target.name,
            "role": target.role.value,
            "published_teu": target.teu,
            "modelled_teu": round(self.modelled, 1),
            "difference_teu": round(self.modelled - target.teu, 1),
            "difference": round(self.difference, 4),
            "log_error": round(self.log_error, 4),
            "tolerance": target.tolerance,
            "within": self.within,
            "gap": target.gap,
            "source": list(target.provenance.sources),
            "estimate": target.provenance.estimate,
        }


class Ride(Protocol):
    """What a target reads of a study arc (:class:`solvers.study.network.Ride`)."""

    @property
    def mode(self) -> Mode:
        """The mode of its first leg."""

    @property
    def board(self) -> str:
        """Where the box boards."""

    @property
    def alight(self) -> str:
        """Where it leaves."""

    @property
    def via(self) -> str | None:
        """A sea passage's transshipment port."""

    @property
    def services(self) -> tuple[str, ...]:
        """The services boarded."""


def measure(rides: Mapping[str, Ride], result: FlowResult, target: Target) -> float:
    """The TEU ``result`` puts where ``target`` counts, over the study's ``rides`` by arc id."""
    total = 0.0
    for arc_id, teu in result.flows.items():
        ride = rides[arc_id]
        if target.measure is Measure.BOARDED:
            total += teu * sum(1 for service in ride.services if service in target.services)
        elif ride.mode in target.modes:
            lifts = (ride.board == target.location) + (ride.alight == target.location)
            total += teu * (lifts + 2 * (ride.via == target.location))
    return total


def compare(
    rides: Mapping[str, Ride], result: FlowResult, targets: Sequence[Target]
) -> list[TargetFit]:
    """Every target beside its modelled value."""
    return [TargetFit(target, measure(rides, result, target)) for target in targets]


def rms_log_error(fits: Sequence[TargetFit], role: Role) -> float | None:
    """Root mean square log error over the targets of ``role``; ``None`` if there are none."""
    return _rms([fit.log_error for fit in fits if fit.target.role is role])


def rms_log_error_of_rows(rows: Sequence[Mapping[str, Any]], role: Role) -> float | None:
    """:func:`rms_log_error` over calibration table rows (:meth:`TargetFit.to_data`)."""
    return _rms([row["log_error"] for row in rows if row["role"] == role.value])


def _rms(errors: Sequence[float]) -> float | None:
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else None


@dataclass(frozen=True)
class Fit:
    """The fitted value of time, its table, and every value tried with its errors."""

    value_of_time: float
    fits: list[TargetFit]
    tried: list[tuple[float, float, float | None]]  # value, fit error, held-out error

    @property
    def fit_error(self) -> float | None:
        """Root mean square log error over the targets fitted to."""
        return rms_log_error(self.fits, Role.FIT)

    @property
    def check_error(self) -> float | None:
        """Root mean square log error over the held-out targets."""
        return rms_log_error(self.fits, Role.CHECK)


def fit(
    evaluate: Callable[[float], list[TargetFit]],
    progress: Callable[[float], None] | None = None,
) -> Fit:
    """The value of time whose ``evaluate`` gives the least squared log error on ``fit`` targets.

    ``evaluate`` runs the base study at a value of time (CNY per TEU-hour) and compares it.
    """
    memo: dict[float, tuple[float, list[TargetFit]]] = {}
    total = len(GRID) + REFINE_STEPS + 2

    def error(value: float) -> float:
        value = round(value, 3)
        if value not in memo:
            fits = evaluate(value)
            memo[value] = (rms_log_error(fits, Role.FIT) or 0.0, fits)
            if progress is not None:
                progress(min(len(memo) / total, 1.0))
        return memo[value][0]

    errors = [error(value) for value in GRID]
    best = min(range(len(GRID)), key=lambda i: (errors[i], GRID[i]))
    low, high = GRID[max(best - 1, 0)], GRID[min(best + 1, len(GRID) - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low + (1 - ratio) * (high - low), low + ratio * (high - low)
    for _ in range(REFINE_STEPS):
        if error(a) <= error(b):
            high, b = b, a
            a = low + (1 - ratio) * (high - low)
        else:
            low, a = a, b
            b = low + ratio * (high - low)
    chosen = min(memo, key=lambda v: (memo[v][0], v))
    tried = [(v, memo[v][0], rms_log_error(memo[v][1], Role.CHECK)) for v in sorted(memo)]
    return Fit(value_of_time=chosen, fits=memo[chosen][1], tried=tried)
