"""Job kinds by name: what a job plans, runs per part and combines.

A job kind has three phases (:class:`JobKind`): ``plan`` turns the job's parameters into the
parameters of its parts (e.g. one per scenario), ``part`` computes one part's result, and
``combine`` makes the job's result of the parts' results. A plain function registered with
:func:`kind` is a one-part job; :func:`parted_kind` declares the three phases. A module that
defines a kind registers it on import; the runners find it here by the job's ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]

#: How a job reports progress: ``progress(fraction of its work done, 0 to 1, message)``.
Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job may use besides its parameters (the loaded network, scenario networks)."""

    resources: dict[str, Any]


PlanFunction = Callable[[JobContext, Params], list[Params]]
PartFunction = Callable[[JobContext, Params, Params, Progress], Params]
CombineFunction = Callable[[JobContext, Params, list[Params], Progress], Params]
#: A one-part job: ``(context, params, progress) -> result``.
JobFunction = Callable[[JobContext, Params, Progress], Params]


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of job in three phases; the parameters and results are JSON objects.

    - ``plan(context, params)``: the parameters of each part (e.g. one per scenario);
    - ``part(context, params, part_params, progress)``: one part's result;
    - ``combine(context, params, part_results, progress)``: the job's result, from the parts'
      results in the order of the plan.
    """

    name: str
    plan: PlanFunction
    part: PartFunction
    combine: CombineFunction


#: Job kinds by name; a module that defines a kind registers it on import.
KINDS: dict[str, JobKind] = {}


def register(job_kind: JobKind) -> JobKind:
    """Register ``job_kind`` under its name."""
    KINDS[job_kind.name] = job_kind
    return job_kind


def kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a plain job function under ``name``: a job of one part."""

    def decorate(function: JobFunction) -> JobFunction:
        def part(context: JobContext, params: Params, _part: Params, progress: Progress) -> Params:
            return function(context, params, progress)

        register(JobKind(name, plan=_one_part, part=part, combine=_the_result))
        return function

    return decorate


def parted_kind(
    name: str, *, plan: PlanFunction, combine: CombineFunction
) -> Callable[[PartFunction], PartFunction]:
    """Register the decorated part function with its ``plan`` and ``combine`` under ``name``."""

    def decorate(part: PartFunction) -> PartFunction:
        register(JobKind(name, plan=plan, part=part, combine=combine))
        return part

    return decorate


def _one_part(_context: JobContext, _params: Params) -> list[Params]:
    return [{}]


def _the_result(
    _context: JobContext, _params: Params, results: list[Params], _progress: Progress
) -> Params:
    return results[0]
