"""PostgreSQL restarted under load: meanwhile requests get 503 problem+json (never a 500, never
a hang), and the same API process serves again once the database is back.

The database server is a private one, made for this test (``initdb`` into a temporary folder, a
free port, ``pg_ctl``), so the shared server other tests and engineers use is never stopped.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.roles import Role
from scripts.topology import free_port
from tests.figures import report
from tests.production.conftest import booking_body, make_quote, missing, quote_body, start

#: How long the database stays down.
OUTAGE_S = 3.0
#: Generous bounds for hangs, not timings.
REQUEST_TIMEOUT_S = 30.0
RECOVERY_BOUND_S = 60.0


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries installed, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    found = [p for p in found if p.parts[-3].isdigit()]
    if found:
        return max(found, key=lambda p: int(p.parts[-3])).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of this test's own."""

    bin: Path
    folder: Path
    port: int
    user: str | None  # run as this user (initdb refuses root)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                 "-o", options, "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    binaries = postgres_bin()
    if binaries is None or (shutil.which("runuser") is None and os.geteuid() == 0):
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to start a private server")
    folder = Path(tempfile.mkdtemp(prefix="corridor-pg-"))
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o755)
    server = PrivatePostgres(binaries, folder, free_port(), user)
    server.run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync")
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_postgres_restart_answers_503_and_the_service_recovers(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    with start(tmp_path, postgres=private_postgres.url, apis=1, workers=0) as topology:
        forwarder = topology.key("Restart Forwarding", Role.FORWARDER)
        base = topology.urls[0]
        api = topology.api[0]
        pid = api.pid
        quote = make_quote(base, forwarder, days=31)
        seen: list[dict[str, Any]] = []
        lock = threading.Lock()
        done = threading.Event()

        def caller(n: int) -> None:
            calls = [
                ("quote", "POST", "/v1/quotes", quote_body(days=31)),
                ("booking", "POST", "/v1/bookings", None),
                ("read", "GET", "/v1/bookings?limit=5", None),
                ("read", "GET", f"/v1/quotes/{quote['id']}", None),
            ]
            i = 0
            with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as http:
                while not done.is_set():
                    kind, method, path, body = calls[(n + i) % len(calls)]
                    headers = dict(forwarder)
                    if kind == "booking":
                        body = booking_body(quote, references={"n": f"{n}-{i}"})
                        headers["Idempotency-Key"] = f"restart-{n}-{i}"
                    i += 1
                    at = time.monotonic()
                    try:
                        answer = http.request(method, path, json=body, headers=headers)
                        status: int | str = answer.status_code
                        kind_of = answer.headers.get("content-type", "")
                        failed = answer.status_code >= 400
                        problem = answer.json().get("type") if failed else None
                        retry = answer.headers.get("retry-after")
                    except httpx.TimeoutException:
                        status, kind_of, problem, retry = "hang", "", None, None
                    except httpx.TransportError as error:
                        status, kind_of, problem, retry = type(error).__name__, "", None, None
                    with lock:
                        seen.append(
                            {"at": at, "kind": kind, "status": status, "content_type": kind_of,
                             "type": problem, "retry_after": retry}
                        )  # fmt: skip
                    time.sleep(0.02)

        threads = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(2.0)
            stopped_at = time.monotonic()
            private_postgres.stop()
            time.sleep(OUTAGE_S)
            private_postgres.start()
            started_at = time.monotonic()
            deadline = started_at + RECOVERY_BOUND_S
            while time.monotonic() < deadline:
                with lock:
                    if any(s["at"] >= started_at and s["status"] in (200, 201) for s in seen):
                        break
                time.sleep(0.05)
            time.sleep(2.0)
        finally:
            done.set()
            for thread in threads:
                thread.join(timeout=REQUEST_TIMEOUT_S + 5)
        ready = httpx.get(f"{base}/readyz", timeout=10)
        alive = api.popen.poll() is None

    during = [s for s in seen if stopped_at <= s["at"] < started_at]
    after = [s for s in seen if s["at"] >= started_at]
    first_ok = min((s["at"] for s in after if s["status"] in (200, 201)), default=None)
    unavailable = [s for s in seen if s["status"] == 503]
    statuses = Counter(str(s["status"]) for s in seen)
    report(
        f"PostgreSQL restart ({OUTAGE_S:.0f} s down) under 4 clients: {len(seen)} requests, "
        f"statuses {dict(sorted(statuses.items()))}; while down "
        f"{dict(Counter(str(s['status']) for s in during))}; first 2xx "
        + (f"{first_ok - started_at:.2f} s" if first_ok is not None else "never")
        + f" after the server was back; API pid {pid} before and after"
    )
    assert alive, "the API process died"
    assert ready.status_code == 200, ready.text
    assert "hang" not in statuses, statuses
    assert not [s for s in seen if isinstance(s["status"], str)], statuses  # no dropped answer
    assert not [s for s in seen if isinstance(s["status"], int) and s["status"] >= 500
                and s["status"] != 503], statuses  # fmt: skip
    assert during, "no request was made while the database was down"
    assert unavailable, "no 503 while the database was down"
    assert all(
        s["content_type"] == "application/problem+json"
        and s["type"] == "/problems/database-unavailable"
        and s["retry_after"] is not None
        for s in unavailable
    ), unavailable[:3]
    assert first_ok is not None, "no 2xx after the database came back"
