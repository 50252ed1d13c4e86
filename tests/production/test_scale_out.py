"""Two API processes on one PostgreSQL: bookings through both never oversell, and a study sent
through one is visible through the other and completes on the Celery worker."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from app.roles import Role
from scripts.topology import Topology
from tests.app.test_studies import CANAL, TINY_DEMAND
from tests.figures import report
from tests.production.conftest import booking_body, ledger, legs, make_quote


def test_bookings_through_both_processes_never_oversell(
    topology: Topology, forwarder: dict[str, str]
) -> None:
    first, second = topology.urls
    quote = make_quote(first, forwarder, count=10, days=3)  # 10 TEU a booking
    option = quote["options"][0]
    held = {leg["departure_key"] for leg in legs(option) if leg["mode"] != "road"}
    assert held

    def book(n: int) -> httpx.Response:
        base = (first, second)[n % 2]
        return httpx.post(
            f"{base}/v1/bookings",
            json=booking_body(quote, references={"n": str(n)}),
            headers=forwarder | {"Idempotency-Key": f"scale-{quote['id']}-{n}"},
            timeout=60,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(book, range(30)))
    elapsed = time.perf_counter() - started
    statuses = [a.status_code for a in answers]
    by_process = {
        url: sorted(s for n, s in enumerate(statuses) if (first, second)[n % 2] == url)
        for url in (first, second)
    }
    report(
        f"scale-out: 30 concurrent 10-TEU bookings over 2 API processes on a 100-TEU departure "
        f"in {elapsed:.2f} s: {statuses.count(201)} x 201, {statuses.count(409)} x 409; "
        f"201s per process {[s.count(201) for s in by_process.values()]}"
    )
    assert statuses.count(201) == 10, statuses
    assert statuses.count(409) == 20, statuses
    assert {a.json()["type"] for a in answers if a.status_code == 409} == {
        "/problems/capacity-exhausted"
    }
    for key, (booked, confirmed) in ledger(topology, held).items():
        assert booked == confirmed == 100, (key, booked, confirmed)


def test_a_study_sent_through_one_process_completes_through_the_other(
    topology: Topology,
) -> None:
    first, second = topology.urls
    planner = topology.key("Planning Office", Role.PLANNER)
    with httpx.Client(timeout=60) as http:
        matrix = http.post(
            f"{first}/v1/demand-matrices",
            params={"name": "tiny"},
            content=TINY_DEMAND.encode(),
            headers=planner | {"Content-Type": "text/csv"},
        )
        assert matrix.status_code == 201, matrix.text
        started = http.post(
            f"{first}/v1/studies",
            json={
                "scenarios": ["base", CANAL],
                "demand": matrix.json()["id"],
                "value_of_time_cny_per_teu_hour": 5,
                "start": "2027-01-04",
            },
            headers=planner,
        )
        assert started.status_code == 202, started.text
        study = started.json()["id"]
        began = time.perf_counter()
        seen: list[Any] = []
        deadline = time.monotonic() + 120  # a bound for hangs, not a timing
        while True:
            state = http.get(f"{second}/v1/studies/{study}", headers=planner)
            assert state.status_code == 200, state.text
            seen.append(state.json()["status"])
            if seen[-1] in {"succeeded", "failed"} or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        took = time.perf_counter() - began
        assert seen[-1] == "succeeded", state.text
        report_page = http.get(f"{second}/v1/studies/{study}/report", headers=planner)
        assert report_page.status_code == 200
    worker_log = topology.worker[0].log.read_text(errors="replace")
    assert "succeeded in" in worker_log  # Celery logs each task it ran
    report(
        f"scale-out: study sent via {first.rsplit(':', 1)[1]}, followed via "
        f"{second.rsplit(':', 1)[1]}, finished on the Celery worker in {took:.1f} s "
        f"(states seen: {' -> '.join(dict.fromkeys(seen))})"
    )
