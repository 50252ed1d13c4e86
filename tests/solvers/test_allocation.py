"""Batch allocation against brute force and the greedy baseline on random instances."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.allocation import Allocation, Candidate, Shipment, allocate, greedy
from solvers.errors import InvalidRequest

DEPARTURES = ["D1", "D2", "D3", "D4"]
LATE = 500  # fen per TEU-hour


@st.composite
def instances(draw: st.DrawFn, most: int = 5) -> tuple[list[Shipment], dict[str, float]]:
    shipments = []
    for i in range(draw(st.integers(1, most))):
        candidates = tuple(
            Candidate(
                key=f"s{i}c{k}",
                cost_fen=draw(st.integers(100, 5000)),
                late_hours=float(draw(st.sampled_from([0, 0, 0, 6, 48]))),
                departures=tuple(
                    draw(st.lists(st.sampled_from(DEPARTURES), min_size=1, max_size=2, unique=True))
                ),
            )
            for k in range(draw(st.integers(0, 3)))
        )
        shipments.append(Shipment(f"s{i}", float(draw(st.sampled_from([1, 2, 2.25]))), candidates))
    free = {d: float(draw(st.integers(0, 6))) for d in DEPARTURES if draw(st.booleans())}
    return shipments, free


def brute_force(shipments: list[Shipment], free: dict[str, float]) -> int:
    """The least objective over every choice (a candidate or nothing per shipment)."""
    best = None
    for picks in itertools.product(*[[None, *s.candidates] for s in shipments]):
        chosen = {s.id: c for s, c in zip(shipments, picks, strict=True) if c is not None}
        if not fits(shipments, chosen, free):
            continue
        objective = objective_of(shipments, chosen)
        best = objective if best is None else min(best, objective)
    assert best is not None
    return best


def objective_of(shipments: list[Shipment], chosen: dict[str, Candidate]) -> int:
    charges = [
        c.cost_fen + round(c.late_hours * s.teu * LATE) for s in shipments for c in s.candidates
    ]
    penalty = 2 * max(charges, default=0) + 1
    total = 0
    for shipment in shipments:
        c = chosen.get(shipment.id)
        total += penalty if c is None else c.cost_fen + round(c.late_hours * shipment.teu * LATE)
    return total


def fits(shipments: list[Shipment], chosen: dict[str, Candidate], free: dict[str, float]) -> bool:
    used: dict[str, float] = {}
    for shipment in shipments:
        if shipment.id in chosen:
            for d in chosen[shipment.id].departures:
                used[d] = used.get(d, 0.0) + shipment.teu
    return all(used.get(d, 0.0) <= cap + 1e-9 for d, cap in free.items())


def check(shipments: list[Shipment], free: dict[str, float], result: Allocation) -> None:
    assert fits(shipments, dict(result.chosen), free)
    assert set(result.chosen) | set(result.unplaced) == {s.id for s in shipments}
    assert not set(result.chosen) & set(result.unplaced)
    assert all(reason for reason in result.unplaced.values())
    assert result.objective_fen == objective_of(shipments, dict(result.chosen))


@settings(max_examples=80, deadline=None, derandomize=True)
@given(instances())
def test_cp_sat_equals_brute_force_and_beats_greedy(
    instance: tuple[list[Shipment], dict[str, float]],
) -> None:
    shipments, free = instance
    best = allocate(shipments, free, LATE)
    first_come = greedy(shipments, free, LATE)
    check(shipments, free, best)
    check(shipments, free, first_come)
    assert best.status == "optimal"
    assert best.objective_fen == brute_force(shipments, free)
    assert best.objective_fen <= first_come.objective_fen


def test_greedy_can_lose_to_the_optimum() -> None:
    """The first shipment takes the only departure the second could use; the optimum moves the
    first to its other (dearer) candidate and places both."""
    a = Shipment("a", 2, (Candidate("a1", 100, 0, ("D1",)), Candidate("a2", 150, 0, ("D2",))))
    b = Shipment("b", 2, (Candidate("b1", 100, 0, ("D1",)),))
    free = {"D1": 2.0, "D2": 2.0}
    first_come = greedy([a, b], free, LATE)
    assert set(first_come.chosen) == {"a"}
    assert "no room left" in first_come.unplaced["b"]
    best = allocate([a, b], free, LATE)
    assert {k: c.key for k, c in best.chosen.items()} == {"a": "a2", "b": "b1"}
    assert best.cost_fen == 250


def test_of_equally_cheap_candidates_the_earlier_arrival_is_taken() -> None:
    # the later sailing is listed first and shares a departure with nothing: only the tie-break
    # on arrival can choose
    late = Candidate("a-late", 100, 0, ("D2",), arrival_minutes=20_000)
    early = Candidate("b-early", 100, 0, ("D1",), arrival_minutes=10_000)
    shipments = [Shipment(f"s{i}", 1, (late, early)) for i in range(3)]
    shipments.append(Shipment("t", 1, (Candidate("t1", 90, 0, ("D2",), 15_000), late)))
    free = {"D1": 2.0, "D2": 5.0}
    best = allocate(shipments, free, LATE)
    taken = sorted(c.key for sid, c in best.chosen.items() if sid != "t")
    assert taken == ["a-late", "b-early", "b-early"]  # D1 holds two
    assert best.cost_fen == 390
    first_come = greedy(shipments, free, LATE)
    assert [first_come.chosen[f"s{i}"].key for i in range(3)] == ["b-early", "b-early", "a-late"]


def test_unplaceable_shipments_say_why() -> None:
    nowhere = Shipment("n", 1, ())
    too_big = Shipment("t", 2.25, (Candidate("t1", 100, 0, ("D1",)),))
    result = allocate([nowhere, too_big], {"D1": 2.0}, LATE)
    assert "no itinerary" in result.unplaced["n"]
    assert "even when empty" in result.unplaced["t"]


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidRequest, match="appears twice"):
        allocate([Shipment("a", 1, ()), Shipment("a", 1, ())], {}, LATE)
    with pytest.raises(InvalidRequest, match="negative"):
        allocate([Shipment("a", 1, ())], {"D1": -1}, LATE)
