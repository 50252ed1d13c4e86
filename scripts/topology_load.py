"""A bounded loopback load on the production topology: quotes, bookings and reads mixed.

    .venv/bin/python scripts/topology_load.py [--seconds 60] [--clients 8] [--network PATH]
    make load

Starts :class:`scripts.topology.Topology` (2 API processes, a Celery worker, a fresh PostgreSQL
database, Redis) on the real network, then ``--clients`` threads send requests round-robin to
both API processes for ``--seconds``: 30 % quotes, 20 % bookings of a quote made earlier (one
TEU, each with its own Idempotency-Key), 50 % reads (a booking, a quote, the booking list, a
location search). It prints throughput, p50/p99 by kind, every status seen, errors that are not
4xx (there must be none), and the resident memory of the API processes over the run, sampled
each second: a leak grows in the second half as in the first, a warm-up does not.

The tests run :func:`run_load` for ~20 s on the tiny network (tests/production/test_load.py).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages are beside this folder
    sys.path.insert(0, str(ROOT))

from app.roles import Role  # noqa: E402
from scripts.topology import Topology, rss_kib  # noqa: E402

#: Real origin-destination pairs of the corridor (the tiny network's are given by its tests).
PAIRS = (
    ("CNCQI-TJC", "SGSIN"),
    ("CNCQI-GYP", "VNHPH"),
    ("CNCDU-CXG", "VNHPH"),
    ("CNKNM-WJY", "MYPKG"),
    ("CNQZH", "SGSIN"),
    ("SGSIN", "CNCQI-TJC"),
)
#: The mix: (kind, weight).
MIX = (("quote", 3), ("booking", 2), ("read", 5))
READS = ("booking", "quote", "bookings", "locations")


@dataclass
class Sample:
    """One request as the client saw it."""

    kind: str
    status: int | str  # the HTTP status, or the transport error's name
    seconds: float


@dataclass
class LoadResult:
    """What a load run saw."""

    seconds: float
    clients: int
    samples: list[Sample] = field(default_factory=list)
    rss_kib: list[list[int]] = field(default_factory=list)  # per second, per API process

    @property
    def statuses(self) -> Counter[str]:
        """How many answers had each status."""
        return Counter(str(s.status) for s in self.samples)

    @property
    def errors(self) -> list[Sample]:
        """Answers that are neither 2xx/3xx nor 4xx: 5xx, 429 excepted nothing, lost answers."""
        return [s for s in self.samples if not isinstance(s.status, int) or s.status >= 500]

    def percentiles(self, kind: str | None = None) -> tuple[float, float]:
        """p50 and p99 in milliseconds (of one kind, or all)."""
        times = sorted(s.seconds for s in self.samples if kind is None or s.kind == kind)
        if len(times) < 2:
            return (float("nan"), float("nan"))
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        return cuts[49] * 1000, cuts[98] * 1000

    def memory(self) -> list[tuple[int, int, int]]:
        """Per API process: RSS at the start, at half time and at the end, KiB."""
        if not self.rss_kib:
            return []
        half = self.rss_kib[len(self.rss_kib) // 2]
        return list(zip(self.rss_kib[0], half, self.rss_kib[-1], strict=True))

    def lines(self) -> list[str]:
        """The figures, one line each."""
        total = len(self.samples)
        p50, p99 = self.percentiles()
        out = [
            f"load: {self.clients} clients for {self.seconds:.0f} s over 2 API processes: "
            f"{total} requests, {total / self.seconds:.1f} req/s, p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms",
        ]
        for kind in ("quote", "booking", "read"):
            mine = [s for s in self.samples if s.kind == kind]
            k50, k99 = self.percentiles(kind)
            out.append(
                f"load:   {kind:8s} {len(mine):6d} requests, {len(mine) / self.seconds:6.1f} "
                f"req/s, p50 {k50:7.1f} ms, p99 {k99:7.1f} ms"
            )
        out.append(
            f"load: statuses {dict(sorted(self.statuses.items()))}; "
            f"errors that are not 4xx: {len(self.errors)}"
        )
        for n, (first, half, last) in enumerate(self.memory()):
            out.append(
                f"load: API process {n} RSS {first / 1024:.1f} MiB at start, "
                f"{half / 1024:.1f} MiB at half time, {last / 1024:.1f} MiB at the end "
                f"(first half {(half - first) / 1024:+.1f} MiB, "
                f"second half {(last - half) / 1024:+.1f} MiB)"
            )
        return out


def run_load(
    urls: Sequence[str],
    headers: dict[str, str],
    quote_body: Callable[[random.Random], dict[str, Any]],
    pids: Sequence[int],
    seconds: float = 60.0,
    clients: int = 8,
    seed: int = 7,
) -> LoadResult:
    """Send the mix to ``urls`` round-robin from ``clients`` threads for ``seconds``."""
    result = LoadResult(seconds=seconds, clients=clients)
    lock = threading.Lock()
    quotes: list[dict[str, Any]] = []
    bookings: list[str] = []
    stop = threading.Event()
    kinds = [kind for kind, weight in MIX for _ in range(weight)]

    def record(kind: str, status: int | str, seconds_: float) -> None:
        with lock:
            result.samples.append(Sample(kind, status, seconds_))

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        count = 0
        with httpx.Client(timeout=60) as http:
            while not stop.is_set():
                base = urls[count % len(urls)]
                count += 1
                kind = rng.choice(kinds)
                with lock:
                    quote = rng.choice(quotes) if quotes else None
                    booking = rng.choice(bookings) if bookings else None
                if quote is None:
                    kind = "quote"
                started = time.perf_counter()
                try:
                    if kind == "quote":
                        answer = http.post(
                            f"{base}/v1/quotes", json=quote_body(rng), headers=headers
                        )
                        if answer.status_code == 201 and answer.json()["options"]:
                            with lock:
                                quotes.append(answer.json())
                                del quotes[:-50]  # recent quotes: older ones may expire
                    elif kind == "booking":
                        assert quote is not None
                        option = rng.randrange(len(quote["options"]))
                        answer = http.post(
                            f"{base}/v1/bookings",
                            json={
                                "quote_id": quote["id"],
                                "option_id": quote["options"][option]["id"],
                                "shipper": {"name": "Load Shipper"},
                                "consignee": {"name": "Load Consignee"},
                            },
                            headers=headers | {"Idempotency-Key": f"load-{n}-{count}"},
                        )
                        if answer.status_code == 201:
                            with lock:
                                bookings.append(answer.json()["id"])
                    else:
                        read = rng.choice(READS)
                        if read == "booking" and booking is not None:
                            path = f"/v1/bookings/{booking}"
                        elif read == "bookings":
                            path = "/v1/bookings?limit=20"
                        elif read == "locations":
                            path = "/v1/locations?q=port"
                        else:
                            assert quote is not None
                            path = f"/v1/quotes/{quote['id']}"
                        answer = http.get(f"{base}{path}", headers=headers)
                    status: int | str = answer.status_code
                except httpx.TransportError as error:
                    status = type(error).__name__
                record(kind, status, time.perf_counter() - started)

    def sample_memory() -> None:
        while not stop.wait(1.0):
            result.rss_kib.append([rss_kib(pid) for pid in pids])

    result.rss_kib.append([rss_kib(pid) for pid in pids])
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=sample_memory))
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    result.seconds = time.perf_counter() - began
    result.rss_kib.append([rss_kib(pid) for pid in pids])
    return result


def real_quote(rng: random.Random) -> dict[str, Any]:
    """A quote between real corridor places, ready within the next weeks."""
    origin, destination = rng.choice(PAIRS)
    ready = (datetime.now(UTC) + timedelta(days=rng.choice((7, 10, 14, 21)))).date()
    return {
        "origin": origin,
        "destination": destination,
        "ready": ready.isoformat(),
        "cargo": {"box": "42G1", "count": 1},
    }


def main() -> None:
    """Start the topology, load it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--network", type=Path, default=ROOT / "data" / "network.geojson")
    parser.add_argument("--logs", type=Path, default=ROOT / "artifacts" / "topology-load")
    args = parser.parse_args()
    topology = Topology(
        logs=args.logs,
        network_path=args.network,
        # one key drives the load: the limit is measured by tests/app/test_ratelimit.py
        extra_env={"CORRIDOR_RATE_LIMIT_PER_S": "0"},
    )
    print(f"starting the topology on {args.network} ...")
    with topology:
        headers = topology.key("Load Forwarding", Role.FORWARDER)
        print(f"loading {', '.join(topology.urls)} for {args.seconds:.0f} s ...")
        pids = [p.pid for p in topology.api]
        result = run_load(
            topology.urls, headers, real_quote, pids, seconds=args.seconds, clients=args.clients
        )
    for line in result.lines():
        print(line)
    if result.errors:
        print(f"FAILED: {len(result.errors)} answers that are not 2xx/4xx")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
