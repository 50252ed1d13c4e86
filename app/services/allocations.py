"""Batch allocation: candidates from the quote engine, free capacity from bookings.

Batches up to :data:`SYNC_LIMIT` shipments are answered in the request; larger ones run as a
job (kind ``allocation``) whose parameters carry the batch, the free capacity read when it was
submitted and the disruptions then in force, so a worker needs nothing but the network.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import mapping
from app.db import ledger
from app.jobs.registry import JobContext, Progress, kind
from app.schemas.allocations import AllocationIn
from app.schemas.quotes import QuoteIn
from app.services.scenarios import ScenarioNetworks
from graph import Network
from solvers.allocation import (
    Allocation,
    Candidate,
    Shipment,
    allocate,
    as_candidate,
    candidate_itineraries,
    greedy,
)
from solvers.errors import InvalidRequest
from solvers.itinerary import Itinerary
from solvers.types import QuoteRequest

#: Larger batches run as a job.
SYNC_LIMIT = 200
KIND = "allocation"


def read(network: Network, body: AllocationIn, max_horizon_days: int) -> list[QuoteRequest]:
    """The shipments as solver requests, or :class:`InvalidRequest` naming every bad field."""
    requests: list[QuoteRequest] = []
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(body.shipments):
        if item.id in seen:
            problems.append((f"shipments.{index}.id", f"{item.id} appears twice"))
        seen.add(item.id)
        asked = QuoteIn(
            origin=item.origin,
            destination=item.destination,
            ready=item.ready,
            deadline=item.deadline,
            cargo=item.cargo,
        )
        try:
            request = mapping.quote_request(network, asked, max_horizon_days)
        except InvalidRequest as error:
            problems += [
                (f"shipments.{index}.{field}", message) for field, message in error.problems
            ]
            continue
        for field, end in (("origin", request.origin), ("destination", request.destination)):
            if end.location is not None and network.find_location(end.location) is None:
                problems.append(
                    (f"shipments.{index}.{field}", f"no location {end.location!r} in the network")
                )
        requests.append(request)
    if problems:
        raise InvalidRequest(problems)
    return requests


def free_for(db: Session, requests: Sequence[QuoteRequest]) -> dict[str, float]:
    """Free TEU on the booked departures the batch could use."""
    start = min(r.ready for r in requests)
    end = max(r.ready + r.horizon for r in requests) + timedelta(days=7)
    return ledger.free(db, start, end)


def run(db: Session, network: Network, body: AllocationIn, max_horizon_days: int) -> dict[str, Any]:
    """Read the shipments, find their candidates, allocate, and compare with greedy."""
    requests = read(network, body, max_horizon_days)
    return solve(network, body, requests, free_for(db, requests))


@kind(KIND)
def run_job(context: JobContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A large batch, on the network as it was when the job was submitted."""
    networks: ScenarioNetworks = context.resources["scenario_networks"]
    network = networks.network("disruptions", params["disruption_ops"])
    body = AllocationIn.model_validate(params["body"])
    requests = read(network, body, params["max_horizon_days"])
    progress(0.1, f"finding candidates for {len(requests)} shipments")
    return solve(network, body, requests, params["free_teu"])


def solve(
    network: Network, body: AllocationIn, requests: Sequence[QuoteRequest], free: dict[str, float]
) -> dict[str, Any]:
    """Candidates per shipment, the CP-SAT allocation and the greedy one beside it."""
    started = time.perf_counter()
    shipments: list[Shipment] = []
    itineraries: dict[str, Itinerary] = {}
    capacity: dict[str, float] = dict(free)
    # shipments asking the same (same places, time and cargo) share their candidates
    memo: dict[tuple[Any, ...], list[Itinerary]] = {}
    for index, (item, request) in enumerate(zip(body.shipments, requests, strict=True)):
        same = (request.origin, request.destination, request.ready, request.cargo, request.horizon)
        try:
            if same not in memo:
                memo[same] = candidate_itineraries(
                    network, replace(request, capacity=free), body.waves
                )
            found = memo[same]
        except InvalidRequest as error:
            raise InvalidRequest(
                [(f"shipments.{index}.{field}", message) for field, message in error.problems]
            ) from error
        candidates = []
        distinct: set[tuple[int, float, tuple[str, ...]]] = set()
        for itinerary in found:
            candidate = as_candidate(network, itinerary, request.deadline)
            alike = (candidate.cost_fen, candidate.late_hours, candidate.departures)
            if alike in distinct:
                continue  # the same capacity at the same cost (a truck a minute later)
            distinct.add(alike)
            itineraries[f"{item.id}/{candidate.key}"] = itinerary
            candidates.append(candidate)
            for key in candidate.departures:
                if key not in capacity:
                    leg = network.legs[key.split("@")[0]]
                    capacity[key] = float(leg.capacity_teu or 0)
        shipments.append(Shipment(item.id, request.cargo.teu or 1.0, tuple(candidates)))
    late = round(body.late_cny_per_teu_hour * 100)
    best = allocate(shipments, capacity, late)
    baseline = greedy(shipments, capacity, late)
    return {
        "status": best.status,
        "placed": best.placed,
        "cost_cny": best.cost_fen / 100,
        "lateness_cny": best.lateness_fen / 100,
        "objective_cny": best.objective_fen / 100,
        "assignments": [
            _assignment(network, sid, candidate, itineraries[f"{sid}/{candidate.key}"])
            for sid, candidate in best.chosen.items()
        ],
        "unplaced": [{"shipment": sid, "reason": why} for sid, why in best.unplaced.items()],
        "greedy": {
            **_summary(baseline),
            "assignments": [
                _assignment(network, sid, candidate, itineraries[f"{sid}/{candidate.key}"])
                for sid, candidate in baseline.chosen.items()
            ],
        },
        "elapsed_s": round(time.perf_counter() - started, 3),
    }


def _assignment(
    network: Network, shipment: str, candidate: Candidate, itinerary: Itinerary
) -> dict[str, Any]:
    return {
        "shipment": shipment,
        "departure": mapping.local_time(itinerary.departure, itinerary.legs[0].origin, network),
        "arrival": mapping.local_time(itinerary.arrival, itinerary.legs[-1].destination, network),
        "price_cny": candidate.cost_fen / 100,
        "late_hours": round(candidate.late_hours, 2),
        "route": str(itinerary),
        "departures": [leg.departure_key for leg in itinerary.legs],
    }


def _summary(allocation: Allocation) -> dict[str, Any]:
    return {
        "placed": allocation.placed,
        "cost_cny": allocation.cost_fen / 100,
        "lateness_cny": allocation.lateness_fen / 100,
        "objective_cny": allocation.objective_fen / 100,
        "unplaced": [{"shipment": s, "reason": r} for s, r in allocation.unplaced.items()],
    }
