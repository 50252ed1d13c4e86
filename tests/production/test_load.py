"""A bounded load (~20 s) on both API processes, quotes, bookings and reads mixed: every answer
is 2xx or 4xx, and the API processes' memory does not keep growing. Throughput and latencies
are printed, never asserted; ``make load`` runs the same for 60 s on the real network."""

from __future__ import annotations

import random
from typing import Any

from app.roles import Role
from scripts.topology import Topology
from scripts.topology_load import run_load
from tests.figures import report
from tests.production.conftest import quote_body

SECONDS = 20.0
#: Resident memory an API process may gain in the second half of the run: a leak keeps
#: growing with the requests served, a warmed-up process stays within this.
SECOND_HALF_BOUND_KIB = 64 * 1024


def tiny_quote(rng: random.Random) -> dict[str, Any]:
    """Quotes on the tiny network from six weeks out: the departures the other tests fill with
    exact counts (within the first five weeks) are left to them."""
    origin, destination = rng.choice((("DP", "PB"), ("DP", "PA"), ("RT", "PB"), ("RV", "PA")))
    return quote_body(days=rng.randrange(42, 100)) | {"origin": origin, "destination": destination}


def test_mixed_load_on_both_processes(topology: Topology) -> None:
    headers = topology.key("Load Forwarding", Role.FORWARDER)
    pids = [p.pid for p in topology.api]
    result = run_load(topology.urls, headers, tiny_quote, pids, seconds=SECONDS, clients=8)
    for line in result.lines():
        report(line)
    assert len(result.samples) > 0
    assert not result.errors, error_counts(result.errors)
    assert {"quote", "booking", "read"} <= {s.kind for s in result.samples}
    for first, half, last in result.memory():
        assert first > 0
        assert last - half < SECOND_HALF_BOUND_KIB, (first, half, last)


def error_counts(samples: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sample in samples:
        key = f"{sample.kind} {sample.status}"
        counts[key] = counts.get(key, 0) + 1
    return counts
