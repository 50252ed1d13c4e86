"""Dispatch figures: batch allocation time, and how fast booking events are taken in.

    .venv/bin/python bench/dispatch.py [--sizes 100 500] [--bookings 20] [--events 400] [--seed 5]

Allocation: on the real network, ``size`` shipments of one 40-ft box each from Chongqing
Tuanjiecun to five destinations, ready over three days, deadlines 12-20 days later; candidates
from the quote engine (three departure waves each, shared by shipments that ask the same), then
the CP-SAT model and the greedy baseline. Printed: candidate time, model time, placed, cost
against greedy. The 100-shipment run is the baseline the growth is printed against.

Re-routing: the service in this process (ASGI, SQLite, the real network) with ``--bookings``
Chongqing-Singapore bookings through Qinzhou, each gated in; then Qinzhou closes for 48 hours
across their call. Printed: the time to declare it (the affected bookings found and proposals
searched for each), and to read it again (open proposals reused), beside one quote.

Events: the service in this process (ASGI, SQLite in a temporary folder, the tiny test network)
takes ``--events`` estimated-departure events on one booking one at a time and then 8 at a
time; events/s beside ``GET /healthz`` requests/s in the same loop as the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session
from targets import check

from app.auth import create_key
from app.db.engine import make_engine, upgrade, writing
from app.main import create_app
from app.roles import Role
from app.schemas.allocations import AllocationIn, AllocationShipmentIn
from app.schemas.quotes import CargoIn
from app.services import allocations
from app.settings import Settings
from graph import load_network

ROOT = Path(__file__).resolve().parent.parent
DESTINATIONS = ("SGSIN", "MYPKG", "THLCH", "VNSGN", "IDJKT")
#: The service as benchmarked: no per-key rate limit (it measures the service, not the limit;
#: 400 events a second would be refused at the default 50/s) and no log line per request.
QUIET_UNLIMITED: dict[str, Any] = {"rate_limit_per_s": 0, "log_level": "warning"}


def allocation(sizes: list[int], seed: int) -> None:
    network = load_network(ROOT / "data" / "network.geojson")
    _ = network.departure_index
    first = datetime.now(UTC).date() + timedelta(days=5)
    wanted = [d for d in DESTINATIONS if d in network.locations]
    print(f"allocation: CNCQI-TJC to {', '.join(wanted)}, 1 x 42G1 each")
    baseline = None
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        for size in sizes:
            rng = random.Random(seed)
            shipments = []
            for i in range(size):
                ready = first + timedelta(days=rng.randrange(3))
                shipments.append(
                    AllocationShipmentIn(
                        id=f"s{i}",
                        origin="CNCQI-TJC",
                        destination=rng.choice(wanted),
                        ready=ready.isoformat(),
                        deadline=(ready + timedelta(days=rng.randrange(12, 21))).isoformat(),
                        cargo=CargoIn(box="42G1"),
                    )
                )
            # over 200 the API runs this as a job: the same call in a worker
            body = AllocationIn(shipments=shipments, late_cny_per_teu_hour=20.0, waves=3)
            with Session(engine) as db:
                started = time.perf_counter()
                result = allocations.run(db, network, body, 56)
                total = time.perf_counter() - started
            baseline = baseline or total
            greedy = result["greedy"]
            print(
                f"  {size:>4} shipments: {total:6.2f} s in all (model and greedy included), "
                f"x{total / baseline:.2f} of the first; placed {result['placed']} "
                f"(greedy {greedy['placed']}); objective {result['objective_cny']:,.0f} CNY "
                f"vs greedy {greedy['objective_cny']:,.0f}; status {result['status']}"
            )
            if size == sizes[0]:
                check(
                    "dispatch", f"{size} shipments placed (all fit)", result["placed"], ">=", size
                )
        engine.dispose()


async def events(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as db, writing(db):
            key = create_key(db, "bench", Role.FORWARDER)
        engine.dispose()
        settings = Settings(
            database_url=url,
            network_path=ROOT / "tests" / "fixtures" / "tiny" / "network.geojson",
            **QUIET_UNLIMITED,
        )
        app = create_app(settings)
        headers = {"Authorization": f"Bearer {key}"}
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                ready = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
                quote = (
                    await client.post(
                        "/v1/quotes",
                        json={"origin": "DP", "destination": "PB", "ready": ready,
                              "cargo": {"box": "22G1"}},
                        headers=headers,
                    )
                ).json()  # fmt: skip
                booking = (
                    await client.post(
                        "/v1/bookings",
                        json={"quote_id": quote["id"], "option_id": quote["options"][0]["id"],
                              "shipper": {"name": "S"}, "consignee": {"name": "C"}},
                        headers=headers,
                    )
                ).json()  # fmt: skip
                departure = booking["option"]["legs"]["features"][0]["properties"]["departure"]
                url_events = f"/v1/bookings/{booking['id']}/events"

                async def post(i: int) -> None:
                    body = {"classifier": "EST", "code": "DEPA", "leg_seq": 1,
                            "event_time": departure}  # fmt: skip
                    answer = await client.post(
                        url_events, json=body, headers=headers | {"Idempotency-Key": f"e{i}"}
                    )
                    assert answer.status_code == 201, answer.text

                started = time.perf_counter()
                for _ in range(count):
                    await client.get("/healthz")
                health = count / (time.perf_counter() - started)
                started = time.perf_counter()
                for i in range(count):
                    await post(i)
                serial = count / (time.perf_counter() - started)
                started = time.perf_counter()
                for chunk in range(count, 2 * count, 8):
                    await asyncio.gather(*(post(i) for i in range(chunk, chunk + 8)))
                parallel = count / (time.perf_counter() - started)
        print(
            f"events (in-process ASGI, SQLite): {serial:,.0f}/s one at a time, {parallel:,.0f}/s "
            f"8 at a time; /healthz {health:,.0f}/s (baseline); each answer recomputes the ETA "
            f"over all the booking's events (up to {2 * count})"
        )


async def rerouting(bookings: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as db, writing(db):
            forwarder = {"Authorization": f"Bearer {create_key(db, 'bench', Role.FORWARDER)}"}
            dispatcher = {"Authorization": f"Bearer {create_key(db, 'bench', Role.DISPATCHER)}"}
        engine.dispose()
        app = create_app(Settings(database_url=url, **QUIET_UNLIMITED))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                ask = {
                    "origin": "CNCQI-TJC",
                    "destination": "SGSIN",
                    "ready": datetime.now(UTC).isoformat(),
                    "cargo": {"box": "42G1"},
                }
                started = time.perf_counter()
                quote = (await client.post("/v1/quotes", json=ask, headers=forwarder)).json()
                one_quote = time.perf_counter() - started
                option = min(
                    (o for o in quote["options"]
                     if any(f["properties"]["to"] == "CNQZH" for f in o["legs"]["features"])),
                    key=lambda o: o["arrival"],
                )  # fmt: skip
                legs = [f["properties"] for f in option["legs"]["features"]]
                for _ in range(bookings):
                    made = await client.post(
                        "/v1/bookings",
                        json={"quote_id": quote["id"], "option_id": option["id"],
                              "shipper": {"name": "S"}, "consignee": {"name": "C"}},
                        headers=forwarder,
                    )  # fmt: skip
                    await client.post(
                        f"/v1/bookings/{made.json()['id']}/events",
                        json={"classifier": "ACT", "code": "GTIN", "leg_seq": 1,
                              "event_time": datetime.now(UTC).isoformat()},
                        headers=forwarder,
                    )  # fmt: skip
                reach = next(leg["arrival"] for leg in legs if leg["to"] == "CNQZH")
                start = datetime.fromisoformat(reach) - timedelta(hours=1)
                window = {
                    "target_type": "location",
                    "target": "CNQZH",
                    "kind": "port_closure",
                    "reason": "bench",
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=48)).isoformat(),
                }
                started = time.perf_counter()
                declared = await client.post("/v1/disruptions", json=window, headers=dispatcher)
                declare = time.perf_counter() - started
                affected = declared.json()["affected_bookings"]
                started = time.perf_counter()
                await client.get(f"/v1/disruptions/{declared.json()['id']}", headers=dispatcher)
                again = time.perf_counter() - started
    offered = sum(len(a["proposals"]) for a in affected)
    print(
        f"re-routing (in-process ASGI, SQLite, real network): Qinzhou closed under "
        f"{len(affected)} bookings: declared in {declare:.2f} s "
        f"({declare / max(1, len(affected)) * 1000:.0f} ms a booking, {offered} proposals), "
        f"read again in {again * 1000:.0f} ms (proposals reused); one quote {one_quote:.2f} s "
        f"(baseline)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--bookings", type=int, default=20)
    args = parser.parse_args()
    allocation(args.sizes, args.seed)
    asyncio.run(rerouting(args.bookings))
    asyncio.run(events(args.events))


if __name__ == "__main__":
    main()
