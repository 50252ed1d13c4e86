"""Structured logs with a request id, and Prometheus metrics.

The middleware is plain ASGI (no per-request task or body buffering), names each request by
its route template so that metrics do not grow with ids, and logs one JSON line per request.
Under ``serve --workers N`` every worker writes its metrics to files in one folder
(prometheus_client's multiprocess mode, :func:`metrics_folder`) and /metrics adds them up
(:func:`exposition`): a scrape sees the whole service, whichever worker answers it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The service's metrics, on a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "corridor_http_request_duration_seconds",
            "HTTP request latency by route template",
            ("method", "route", "status"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.quote_solve = Histogram(
            "corridor_quote_solve_seconds",
            "Time the solver spent on a quote, by outcome",
            ("status",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        # beside the wall time: the CPU the solving thread used, whatever else ran meanwhile,
        # to compare with the CPU the whole request costs the process
        self.quote_solve_cpu = Histogram(
            "corridor_quote_solve_cpu_seconds",
            "CPU time of the thread that solved a quote, by outcome",
            ("status",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.bookings = Counter(
            "corridor_bookings_total",
            "Booking requests by outcome (created, replayed, rejected, cancelled)",
            ("outcome",),
            registry=self.registry,
        )


#: Where prometheus_client's multiprocess mode keeps the workers' metric files.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_folder() -> Iterator[None]:
    """Worker processes started inside share their metrics through a new, empty folder.

    prometheus_client chooses the mode when it is first imported, so the folder is set in the
    environment before the workers start, and removed with its files when they have stopped.
    A folder already given in the environment is used as it is.
    """
    if os.environ.get(MULTIPROC_DIR):
        yield
        return
    folder = tempfile.mkdtemp(prefix="corridor-metrics-")
    os.environ[MULTIPROC_DIR] = folder
    try:
        yield
    finally:
        del os.environ[MULTIPROC_DIR]
        shutil.rmtree(folder, ignore_errors=True)


def exposition(metrics: Metrics) -> bytes:
    """The text /metrics answers: this process's metrics, or every worker's added up."""
    folder = os.environ.get(MULTIPROC_DIR)
    if not folder:
        return generate_latest(metrics.registry)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    """Send the service's logs to stderr as JSON lines."""
    logger = logging.getLogger("corridor")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level.upper())


class RequestContext:
    """Request id (``X-Request-ID``, kept from the client or made), latency metric, access log."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger("corridor.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        rid = given[:64] if given.isprintable() and given else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).observe(elapsed)
            state = scope.get("state", {})
            self.log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "organisation": state.get("organisation"),
                    }
                },
            )
            request_id.reset(token)


def _route_template(scope: Scope) -> str:
    """The matched route's path template (set by the router), so labels do not grow with ids."""
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))


class Sparse:
    """Whether to report again: at most once per ``every_s`` seconds.

    A background loop that finds the database or Redis away tries again every second or so;
    through an outage it should write one line a minute, not one (or a traceback) per try.
    """

    def __init__(self, every_s: float = 60.0) -> None:
        self.every_s = every_s
        self._last = -math.inf

    def due(self) -> bool:
        """True at most once per ``every_s`` seconds."""
        now = time.monotonic()
        if now - self._last < self.every_s:
            return False
        self._last = now
        return True
