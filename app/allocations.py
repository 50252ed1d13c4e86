"""Batch allocation over HTTP: candidates from the quote engine, free capacity from bookings."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import quotes
from app.bookings import free_capacity
from app.schemas import AllocationIn, QuoteIn
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


def run(db: Session, network: Network, body: AllocationIn, max_horizon_days: int) -> dict[str, Any]:
    """Read the shipments, find their candidates, allocate, and compare with greedy."""
    started = time.perf_counter()
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
            requests.append(quotes.quote_request(network, asked, max_horizon_days))
        except InvalidRequest as error:
            problems += [
                (f"shipments.{index}.{field}", message) for field, message in error.problems
            ]
    if problems:
        raise InvalidRequest(problems)
    start = min(r.ready for r in requests)
    end = max(r.ready + r.horizon for r in requests) + timedelta(days=7)
    free = free_capacity(db, start, end)
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
        "greedy": _summary(baseline),
        "elapsed_s": round(time.perf_counter() - started, 3),
    }


def _assignment(
    network: Network, shipment: str, candidate: Candidate, itinerary: Itinerary
) -> dict[str, Any]:
    return {
        "shipment": shipment,
        "departure": quotes.local_time(itinerary.departure, itinerary.legs[0].origin, network),
        "arrival": quotes.local_time(itinerary.arrival, itinerary.legs[-1].destination, network),
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
