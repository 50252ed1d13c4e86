"""The compose.yaml topology as local processes: 2 API processes, a worker, PostgreSQL, Redis.

    .venv/bin/python scripts/topology.py [--apis 2] [--network PATH] [--postgres URL] [--redis URL]
    make topology

Each API process is ``corridor serve`` on a free loopback port, the worker ``corridor worker``;
all share a database made for the run on the PostgreSQL at ``--postgres`` (a maintenance URL,
default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; dropped at the end), the Celery
queue of the run on Redis, and one rate-limit allowance per key on the same Redis. Once every API
answers ``/readyz`` the script prints the URLs and an admin key, and serves until Ctrl-C.

The tests use :class:`Topology` as a context manager (``tests/production``): it can ``kill -9``
an API process, and reports the processes' resident memory.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages are beside this folder
    sys.path.insert(0, str(ROOT))

from app.auth import create_key  # noqa: E402
from app.db.engine import make_engine, writing  # noqa: E402
from app.roles import Role  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/14"
#: How long a process may take to load the network, migrate and answer /readyz.
START_TIMEOUT_S = 120.0


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serving(
    url: str, process: subprocess.Popen[bytes], deadline: float, path: str = "/readyz"
) -> bool:
    """Wait until ``url`` answers 200 on ``path``.

    ``False`` if ``process`` exits first or the monotonic ``deadline`` passes.
    """
    while True:
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (Linux /proc), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Process:
    """One process of the topology and its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str | None = None

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def tail(self, lines: int = 40) -> str:
        """The end of the log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Topology:
    """API processes, a worker, a fresh database and a Redis queue; a context manager."""

    logs: Path
    apis: int = 2
    network_path: Path = ROOT / "data" / "network.geojson"
    postgres: str = POSTGRES
    redis_url: str = REDIS
    workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    queue: str = ""
    api: list[Process] = field(default_factory=list)
    worker: list[Process] = field(default_factory=list)

    def __post_init__(self) -> None:
        run = uuid.uuid4().hex[:12]
        self.database = f"corridor_topology_{run}"
        self.database_url = (
            make_url(self.postgres).set(database=self.database).render_as_string(False)
        )
        self.queue = f"corridor-topology-{run}"

    # ------------------------------------------------------------------ life cycle

    def __enter__(self) -> Self:
        self.logs.mkdir(parents=True, exist_ok=True)
        admin = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.database}"'))
        finally:
            admin.dispose()
        try:
            # together, as replicas of a deployment start: the migration lock sorts them out
            self.api = [self.start_api(n) for n in range(self.apis)]
            self.worker = [self.start_worker(n) for n in range(self.workers)]
            for process in self.api:
                self.wait_ready(process)
            for process in self.worker:
                self.wait_worker(process)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every process, drop the database and the run's Redis keys.

        A second Ctrl-C while this runs is ignored (in the main thread), so that cleaning up is
        not cut short, leaving processes and a database behind.
        """
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            self._close()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _close(self) -> None:
        for process in [*self.api, *self.worker]:
            self.stop(process)
        admin = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        except Exception as error:  # the server may be the one a test stopped
            sys.stderr.write(f"could not drop {self.database}: {error}\n")
        finally:
            admin.dispose()
        try:
            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
            client.delete(self.queue, *client.keys(f"{self.queue}*"))
            client.close()
        except redis.RedisError:
            pass

    # ------------------------------------------------------------------ processes

    def environment(self) -> dict[str, str]:
        """The settings every process of the topology shares (none of this shell's)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_")}
        env.update(
            CORRIDOR_ENVIRONMENT="production",
            CORRIDOR_DATABASE_URL=self.database_url,
            CORRIDOR_NETWORK_PATH=str(self.network_path),
            CORRIDOR_BROKER_URL=self.redis_url,
            CORRIDOR_BROKER_QUEUE=self.queue,
            CORRIDOR_RATE_LIMIT_REDIS_URL=self.redis_url,
            CORRIDOR_LOG_LEVEL="warning",
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = self.logs / f"{name}.log"
        with log.open("ab") as output:
            # a session of its own: a kill reaches the process's children (uvicorn's, Celery's
            # pool) as the loss of a machine would
            return subprocess.Popen(
                [sys.executable, "-m", "app.cli", *args],
                cwd=ROOT,
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_api(self, n: int) -> Process:
        """Start API process ``n`` on a free port (not waiting for it)."""
        port = free_port()
        name = f"api-{n}"
        popen = self._spawn(name, ["serve", "--host", "127.0.0.1", "--port", str(port)])
        return Process(name, popen, self.logs / f"{name}.log", f"http://127.0.0.1:{port}")

    def start_worker(self, n: int) -> Process:
        """Start Celery worker ``n`` (not waiting for it)."""
        name = f"worker-{n}"
        options = ["--concurrency", "2", "--loglevel", "info", "-n", f"{self.queue}-{n}@%h"]
        return Process(name, self._spawn(name, ["worker", *options]), self.logs / f"{name}.log")

    def wait_ready(self, process: Process, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until ``process`` answers 200 on /readyz."""
        assert process.url is not None
        if not serving(process.url, process.popen, time.monotonic() + timeout_s):
            msg = f"{process.name} did not become ready:\n{process.tail()}"
            raise RuntimeError(msg)

    def wait_worker(self, process: Process, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until the worker consumes its queue."""
        deadline = time.monotonic() + timeout_s
        while "ready." not in process.log.read_text(errors="replace"):
            if process.popen.poll() is not None or time.monotonic() > deadline:
                msg = f"{process.name} did not start:\n{process.tail()}"
                raise RuntimeError(msg)
            time.sleep(0.2)

    def kill(self, process: Process) -> None:
        """``kill -9`` the process and its children."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.popen.wait(timeout=30)

    def restart(self, process: Process) -> Process:
        """Start a stopped API process again on a new port and wait for it; the new process."""
        n = self.api.index(process)
        self.stop(process)
        self.api[n] = self.start_api(n)
        self.wait_ready(self.api[n])
        return self.api[n]

    def stop(self, process: Process) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 20 s)."""
        if process.popen.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.popen.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill(process)

    # ------------------------------------------------------------------ helpers

    @property
    def urls(self) -> list[str]:
        """The base URLs of the API processes."""
        return [p.url for p in self.api if p.url]

    def key(self, organisation: str, role: Role) -> dict[str, str]:
        """Authorization headers of a new key of ``organisation``."""
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session, writing(session):
                secret = create_key(session, organisation, role, "topology")
        finally:
            engine.dispose()
        return {"Authorization": f"Bearer {secret}"}

    def api_rss_kib(self) -> list[int]:
        """Resident memory of each API process (with its children) in KiB."""
        return [rss_kib(p.pid) for p in self.api]


def main() -> None:
    """Start the topology and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apis", type=int, default=2, help="API processes")
    parser.add_argument("--network", type=Path, default=ROOT / "data" / "network.geojson")
    parser.add_argument(
        "--postgres", default=os.environ.get("CORRIDOR_TOPOLOGY_POSTGRES", POSTGRES)
    )
    parser.add_argument("--redis", default=os.environ.get("CORRIDOR_TOPOLOGY_REDIS", REDIS))
    parser.add_argument("--logs", type=Path, default=ROOT / "artifacts" / "topology")
    args = parser.parse_args()
    topology = Topology(
        logs=args.logs,
        apis=args.apis,
        network_path=args.network,
        postgres=args.postgres,
        redis_url=args.redis,
    )
    print(f"starting {args.apis} API process(es) and a worker on {topology.database_url}")
    with topology:
        admin = topology.key("topology", Role.ADMIN)
        for process in topology.api:
            print(f"  {process.name}  {process.url}  (pid {process.pid})")
        for process in topology.worker:
            print(f"  {process.name}  queue {topology.queue} on {topology.redis_url}")
        print(f"  admin key: {admin['Authorization'].removeprefix('Bearer ')}")
        print(f"  logs in {args.logs}; Ctrl-C stops everything and drops the database")
        try:
            while all(p.popen.poll() is None for p in [*topology.api, *topology.worker]):
                time.sleep(1)
            print("a process stopped; see its log")
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
