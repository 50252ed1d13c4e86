"""HTTP throughput and latency: quotes against a trivial endpoint, on the running service.

    .venv/bin/python bench/http_load.py [--concurrency 32] [--requests 2000] [--quotes 400]
                                   [--workers 1 2] [--database-url URL]

The script starts the real service as a separate process (``python -m app.cli serve`` on a free
loopback port, on a new SQLite file in a temporary folder unless ``--database-url`` or
CORRIDOR_BENCH_DATABASE_URL names another database, e.g. PostgreSQL), with an API key it creates
first (``keys create --org bench --role forwarder``), and stops it at the end; once per
``--workers`` count (default: 1, then 2), each on a database of its own. This process is
the load generator: asyncio, one kept-alive connection per concurrent caller, one request in
flight on each. Against the same server, in the same run, it measures

(1) ``GET /healthz``: the floor of the stack (uvicorn, the middleware and its access log,
    FastAPI routing, the thread pool of a sync endpoint); no auth, no database, no solver;
(2) ``POST /v1/quotes`` at ``--concurrency``: authentication, validation, the free capacity
    read, the Pareto search on the real network, the answer and the quote row written, for a
    mix of real origin-destination pairs, ready dates and cargoes (each answer must be 201);
(3) the same quotes one at a time: what one quote costs without queueing.

Each endpoint gets a warm-up first (for quotes, every distinct body once, so that the solver's
caches are those of a running service), then a fixed number of timed requests. Latency is per
request as the client sees it (send, queue, serve, read the whole answer). The ratio of quote to
trivial throughput says how much of the stack's capacity a quote costs; the quote p99 says what
a caller waits with ``--concurrency`` callers. As each caller waits for its answer before the
next request, the mean latency is the number of callers over the throughput: a p99 of 100 ms with
32 callers needs well over 320 quotes/s. Where the time goes is read from the solver's own
``elapsed_ms`` in each answer, from the service's /metrics (time inside its middleware, and the
CPU time of the thread that solved each quote) and from the CPU the service's processes spent
per request (/proc, Linux): the capacity a request takes, whatever the client does. The CPU a
quote costs the service over the CPU its solve took is what the service adds to the search
(parsing, authentication, the capacity read, the answer, the row written, threads); on a 2-core
machine, where the load generator shares the cores, it is the figure that says whether more
workers can turn cores into quotes. With several workers /metrics adds up every worker's
(app.observability), so each run reads its own solver CPU.

The client shares the machine with the server, so it must be cheap: a few lines of HTTP/1.1 on
asyncio streams rather than httpx.AsyncClient, which spent about 3.4 ms of CPU per request at 32
connections here, four times what the service spends on /healthz (the trivial figure measured
the client). Its CPU share is printed beside each phase; so is the service's, near 100 % of a
core per worker when the service is the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import httpx
from prometheus_client.parser import text_string_to_metric_families
from targets import check

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
#: Real origin-destination pairs of the corridor, both ways (CNCQI alone is a city with three
#: terminals: the service asks for one of them).
PAIRS = (
    ("CNCQI-TJC", "SGSIN"),
    ("CNCQI-GYP", "VNHPH"),
    ("CNCDU-CXG", "VNHPH"),
    ("CNKNM-WJY", "MYPKG"),
    ("CNNIN-IRP", "THLCH"),
    ("CNQZH", "SGSIN"),
    ("CNXIA-XIP", "MYPKG"),
    ("CNSHG", "CNQZH"),
    ("SGSIN", "CNCQI-TJC"),
    ("VNHPH", "CNCQI-TJC"),
    ("THLCH", "CNCDU-CXG"),
    ("MYPKG", "CNKNM-WJY"),
)
READY_IN_DAYS = (7, 10, 14, 21)
CARGOES = ({"box": "42G1", "count": 1}, {"box": "45G1", "count": 2})
RATIO_TARGET = 0.10
#: What the service may spend on a quote, in CPU, over what its solve spends.
CPU_RATIO_TARGET = 1.5
#: What a caller waits for a quote at the 99th percentile when it is not queued behind others.
#: At ``--concurrency`` callers p99 is printed, not checked: it is at least callers / throughput
#: (100 ms with 32 callers would take 320 quotes/s, beyond a 2-core machine's /healthz alone).
P99_TARGET_MS = 100.0
_ELAPSED = re.compile(rb'"elapsed_ms":\s*([-+.\deE]+)')
_NO_OPTIONS = re.compile(rb'"options":\s*\[\s*\]')
_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)")
_CLOSE = re.compile(rb"(?im)^connection:\s*close")


@dataclass(frozen=True)
class Call:
    """One request (its body as JSON text) and the status that counts as success."""

    method: str
    path: str
    body: str | None
    expect: int


@dataclass
class Phase:
    """What one timed phase saw."""

    label: str
    concurrency: int
    seconds: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    server_cpu_s: float = float("nan")
    errors: int = 0
    failures: list[str] = field(default_factory=list)
    solver_ms: list[float] = field(default_factory=list)
    without_options: int = 0

    @property
    def rps(self) -> float:
        return len(self.seconds) / self.wall_s

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.seconds) * 1000

    def percentile_ms(self, p: int) -> float:
        return statistics.quantiles(self.seconds, n=100)[p - 1] * 1000

    def fail(self, what: str) -> None:
        self.errors += 1
        if len(self.failures) < 3:
            self.failures.append(what)

    def line(self) -> str:
        return (
            f"  {self.label:<30} {self.concurrency:>4} {len(self.seconds):>6} {self.rps:>9.1f} "
            f"{self.percentile_ms(50):>9.2f} {self.percentile_ms(99):>9.2f} {self.errors:>7} "
            f"{self.server_cpu_s / len(self.seconds) * 1000:>11.2f} "
            f"{self.server_cpu_s / self.wall_s:>7.0%} {self.cpu_s / self.wall_s:>7.0%}"
        )


class Connection:
    """One kept-alive HTTP/1.1 connection to the service; just enough HTTP for its answers."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.head = f"Host: {HOST}:{port}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def encode(self, call: Call) -> bytes:
        """The request's bytes (made once per distinct call, outside the timed path)."""
        body = call.body.encode() if call.body is not None else b""
        head = f"{call.method} {call.path} HTTP/1.1\r\n{self.head}"
        if call.body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return (head + "\r\n").encode() + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Status and body of the answer to ``request``.

        Sent once more on a new connection when a kept-alive one was closed by the service
        while idle (uvicorn closes them after 5 s, e.g. the callers idle while the quotes go one
        at a time), as HTTP clients do; otherwise the next phase counts them as failures.
        """
        reused = self.writer is not None
        try:
            return await self._exchange(request)
        except (asyncio.IncompleteReadError, ConnectionResetError) as error:
            stale = reused and not (
                isinstance(error, asyncio.IncompleteReadError) and error.partial
            )
            if not stale:
                raise
            return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        try:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            length = _LENGTH.search(head)
            if length is None:
                msg = f"answer without Content-Length: {head[:200]!r}"
                raise ValueError(msg)
            body = await self.reader.readexactly(int(length[1]))
        except BaseException:
            self.close()
            raise
        if _CLOSE.search(head):
            self.close()
        return int(head[9:12]), body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) so far of process ``root`` and its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    seconds: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (command)"
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    if root not in seconds:
        return float("nan")
    tree = {root}
    while grown := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    return sum(seconds[pid] for pid in tree)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def create_key(env: dict[str, str]) -> str:
    """A forwarder key of organisation 'bench' (the command migrates the database first)."""
    command = ["keys", "create", "--org", "bench", "--role", "forwarder"]
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"keys create failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def start_service(
    env: dict[str, str], port: int, workers: int, log: TextIO
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(base: str, service: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    """Return once GET /healthz answers 200; exit with the service's log if it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and service.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-30:])
    sys.exit(f"the service did not become healthy within {timeout_s:g} s:\n{tail}")


def stop_service(service: subprocess.Popen[bytes]) -> None:
    service.terminate()
    try:
        service.wait(timeout=15)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait()


def quote_bodies() -> list[str]:
    """Every distinct quote body of the mix (pairs x ready dates x cargoes), as JSON."""
    today = date.today()
    return [
        json.dumps(
            {
                "origin": origin,
                "destination": destination,
                "ready": (today + timedelta(days=days)).isoformat(),
                "cargo": cargo,
            }
        )
        for (origin, destination), days, cargo in itertools.product(PAIRS, READY_IN_DAYS, CARGOES)
    ]


def quote_calls(bodies: Sequence[str], count: int, seed: int) -> list[Call]:
    """``count`` quotes drawn from ``bodies``, fixed by ``seed``."""
    rng = random.Random(seed)
    return [Call("POST", "/v1/quotes", rng.choice(bodies), 201) for _ in range(count)]


def health_calls(count: int) -> list[Call]:
    return [Call("GET", "/healthz", None, 200)] * count


async def one(connection: Connection, call: Call, request: bytes, phase: Phase) -> None:
    """Send ``call`` and record its latency and outcome in ``phase``."""
    start = time.perf_counter()
    try:
        status, body = await connection.send(request)
    except (OSError, ValueError, asyncio.IncompleteReadError) as error:
        phase.seconds.append(time.perf_counter() - start)
        phase.fail(f"{type(error).__name__}: {error}")
        return
    phase.seconds.append(time.perf_counter() - start)
    if status != call.expect:
        phase.fail(f"{status}: {body[:400].decode(errors='replace')}")
        return
    if call.path == "/v1/quotes":  # two fields, read without decoding the whole answer
        elapsed = _ELAPSED.search(body)
        phase.solver_ms.append(float(elapsed[1]) if elapsed else float("nan"))
        phase.without_options += _NO_OPTIONS.search(body) is not None


async def drive(
    connections: Sequence[Connection],
    calls: Sequence[Call],
    concurrency: int,
    label: str,
    server: int,
) -> Phase:
    """Send ``calls`` on the first ``concurrency`` connections, one request in flight on each."""
    phase = Phase(label, concurrency)
    encoded = {call: connections[0].encode(call) for call in set(calls)}
    queue: Iterator[Call] = iter(calls)

    async def sender(connection: Connection) -> None:
        for call in queue:  # the senders share one iterator: each call is sent once
            await one(connection, call, encoded[call], phase)

    server_cpu, cpu, start = tree_cpu_s(server), time.process_time(), time.perf_counter()
    await asyncio.gather(*(sender(connection) for connection in connections[:concurrency]))
    phase.wall_s = time.perf_counter() - start
    phase.cpu_s = time.process_time() - cpu
    phase.server_cpu_s = tree_cpu_s(server) - server_cpu
    return phase


#: The /metrics histograms read, by the name they are printed under.
HISTOGRAMS = {
    "corridor_http_request_duration_seconds": "service",
    "corridor_quote_solve_seconds": "solver",
    "corridor_quote_solve_cpu_seconds": "solver CPU",
}


def served(base: str) -> dict[str, tuple[float, float]]:
    """From /metrics: (seconds, count) of 201 quotes inside the service, in the solver, and the
    solver's CPU."""
    text = httpx.get(f"{base}/metrics", timeout=10.0).text
    totals: dict[str, tuple[float, float]] = {}
    for family in text_string_to_metric_families(text):
        key = HISTOGRAMS.get(family.name)
        if key is None:
            continue
        for sample in family.samples:
            if key == "service" and (
                sample.labels.get("route") != "/v1/quotes" or sample.labels.get("status") != "201"
            ):
                continue
            seconds, count = totals.get(key, (0.0, 0.0))
            if sample.name.endswith("_sum"):
                totals[key] = (seconds + sample.value, count)
            elif sample.name.endswith("_count"):
                totals[key] = (seconds, count + sample.value)
    return totals


def mean_ms(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Mean milliseconds per request between two /metrics readings, by key."""
    means = {}
    for key, (seconds, count) in after.items():
        then_seconds, then_count = before.get(key, (0.0, 0.0))
        if count > then_count:
            means[key] = (seconds - then_seconds) / (count - then_count) * 1000
    return means


def shown(means: dict[str, float]) -> str:
    return ", ".join(f"{key} {ms:.2f}" for key, ms in means.items()) or "n/a"


@dataclass
class Run:
    """The timed phases of one run, and the service's own means for the quote phases."""

    trivial: Phase
    warm: Phase
    serial: Phase
    quotes: Phase
    serial_inside: dict[str, float]
    quotes_inside: dict[str, float]
    workers: int

    def server_cpu_ms(self, phase: Phase) -> float:
        return phase.server_cpu_s / len(phase.seconds) * 1000


async def measure(
    base: str, port: int, server: int, key: str, args: argparse.Namespace, workers: int
) -> Run:
    """Warm up, then time each phase on the same connections."""
    bodies = quote_bodies()
    connections = [
        Connection(port, {"Authorization": f"Bearer {key}"}) for _ in range(args.concurrency)
    ]
    concurrency = args.concurrency
    try:
        await drive(connections, health_calls(args.warmup), concurrency, "warm-up", server)
        trivial = await drive(
            connections, health_calls(args.requests), concurrency, "GET /healthz", server
        )
        every = [Call("POST", "/v1/quotes", body, 201) for body in bodies]
        warm = await drive(connections, every, concurrency, "quote warm-up", server)
        before = served(base)  # between phases no request is in flight
        serial = await drive(
            connections,
            quote_calls(bodies, args.serial, args.seed + 1),
            1,
            "POST /v1/quotes, 1 at a time",
            server,
        )
        between = served(base)
        quotes = await drive(
            connections,
            quote_calls(bodies, args.quotes, args.seed),
            concurrency,
            "POST /v1/quotes",
            server,
        )
        after = served(base)
    finally:
        for connection in connections:
            connection.close()
    return Run(
        trivial,
        warm,
        serial,
        quotes,
        mean_ms(before, between),
        mean_ms(between, after),
        workers,
    )


def report(run: Run) -> None:
    """The table, where a quote's time goes, and the targets."""
    workers = run.workers
    print(
        f"  {'endpoint':<30} {'conc':>4} {'reqs':>6} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'errors':>7} {'server CPU':>11} {'server':>7} {'client':>7}"
    )
    print(f"  {'':<30} {'':>4} {'':>6} {'':>9} {'':>9} {'':>9} {'':>7} {'ms/req':>11} "
          f"{'CPU':>7} {'CPU':>7}")  # fmt: skip
    for phase in (run.trivial, run.quotes, run.serial):
        print(phase.line())
    for phase in (run.warm, run.serial, run.quotes):
        for failure in phase.failures:
            print(f"  {phase.label} ({phase.concurrency} concurrent) failed: {failure}")
    print("where a quote's time goes, mean ms:")
    for phase, inside in ((run.quotes, run.quotes_inside), (run.serial, run.serial_inside)):
        print(
            f"  {phase.concurrency:>2} concurrent: client {phase.mean_ms:7.2f}; inside the "
            f"service: {shown(inside)}; solver elapsed_ms in the answers "
            f"{statistics.fmean(phase.solver_ms or [float('nan')]):.2f}; service CPU "
            f"{run.server_cpu_ms(phase):.2f}"
        )
    cost = run.server_cpu_ms(run.quotes) / run.server_cpu_ms(run.trivial)
    print(
        f"  a quote costs the service {cost:.1f} times the CPU of a /healthz; "
        f"{run.quotes.without_options} of {len(run.quotes.seconds)} quotes had no option; "
        f"warm-up errors {run.warm.errors} of {len(run.warm.seconds)}"
    )
    ratio = run.quotes.rps / run.trivial.rps
    p99 = run.quotes.percentile_ms(99)
    print("targets:")
    suffix = "" if workers == 1 else f", {workers} workers"
    concurrency = run.quotes.concurrency
    check(
        "http_load",
        f"quote CPU in the service / solver CPU{suffix}",
        run.server_cpu_ms(run.quotes) / run.quotes_inside.get("solver CPU", math.nan),
        "<=",
        CPU_RATIO_TARGET,
    )
    if workers == 1:
        check("http_load", "quote req/s / healthz req/s", ratio, ">=", RATIO_TARGET)
    else:
        print(f"  quote req/s / healthz req/s{suffix}: {ratio:.3f}")
    floor_ms = 1000 * concurrency / run.quotes.rps
    print(
        f"  quote p99 at {concurrency} concurrent{suffix}: {p99:.1f} ms "
        f"(queueing floor, callers / throughput: {floor_ms:.1f} ms)"
    )
    check(
        "http_load",
        f"quote p99 one at a time{suffix}",
        run.serial.percentile_ms(99),
        "<=",
        P99_TARGET_MS,
        "ms",
    )


def run_service(args: argparse.Namespace, workers: int) -> Run:
    """Start the service with ``workers`` on a database of its own, measure, stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        # one key drives the whole load: the per-key rate limit would measure itself, not the stack
        env = {**os.environ, "CORRIDOR_DATABASE_URL": url, "CORRIDOR_RATE_LIMIT_PER_S": "0"}
        key = create_key(env)
        port = free_port()
        base = f"http://{HOST}:{port}"
        log_path = Path(tmp) / "serve.log"
        print(f"serving {base} with {workers} worker(s) on {url}")
        with log_path.open("w", encoding="utf-8") as log:
            service = start_service(env, port, workers, log)
            try:
                wait_healthy(base, service, log_path, timeout_s=120)
                network = httpx.get(f"{base}/readyz", timeout=10.0).json()["network_version"]
                print(f"network {network}; {len(quote_bodies())} distinct quote bodies")
                return asyncio.run(measure(base, port, service.pid, key, args, workers))
            finally:
                stop_service(service)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--requests", type=int, default=2000, help="timed GET /healthz")
    parser.add_argument("--quotes", type=int, default=400, help="timed POST /v1/quotes")
    parser.add_argument("--serial", type=int, default=50, help="timed quotes one at a time")
    parser.add_argument("--warmup", type=int, default=200, help="untimed GET /healthz")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="passed to serve, one run each"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CORRIDOR_BENCH_DATABASE_URL"),
        help="default: a new SQLite file in a temporary folder",
    )
    args = parser.parse_args()
    runs = [run_service(args, workers) for workers in sorted(set(args.workers))]
    for run in runs:
        print(f"{run.workers} worker(s):")
        report(run)
    print(f"quotes at {args.concurrency} concurrent callers, by workers:")
    for run in runs:
        print(
            f"  {run.workers} worker(s): {run.quotes.rps:7.1f} quotes/s, "
            f"p99 {run.quotes.percentile_ms(99):8.1f} ms, service CPU per quote "
            f"{run.server_cpu_ms(run.quotes):6.2f} ms, solver CPU per quote "
            f"{run.quotes_inside.get('solver CPU', math.nan):6.2f} ms"
        )


if __name__ == "__main__":
    main()
