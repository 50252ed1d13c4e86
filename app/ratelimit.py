"""Rate limiting per API key: GCRA, in this process or shared across processes through Redis.

The generic cell rate algorithm keeps one number per key, the theoretical arrival time (TAT) of
the next request at the sustained rate. A request is allowed when pushing the TAT one interval
on leaves it no further ahead of now than the burst allows; nothing is stored per request, so a
key costs one float here or one Redis string there.

Keys are identified by a digest of the bearer token, so that a client cannot spend another's
allowance by naming its key id with a wrong secret; callers without a token by their address.
Probes (``/healthz``, ``/readyz``, ``/metrics``) are never limited.

With ``CORRIDOR_RATE_LIMIT_REDIS_URL`` every API process shares one allowance per key, through a
Lua script that reads and moves the TAT atomically on Redis's clock. When Redis does not answer
the limiter falls back to this process's own allowance (fail-open for the sharing, never for
the limit), logs a warning at most once per :data:`WARN_EVERY_S`, and tries Redis again after
:data:`REDIS_RETRY_S`, so an outage costs one timeout now and then, not one per request.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem
from app.observability import Sparse

log = logging.getLogger("corridor.ratelimit")

#: Paths that load balancers and monitoring call: never limited.
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
#: A Redis outage is reported at most this often.
WARN_EVERY_S = 60.0
#: After a Redis failure, the local allowance is used for this long before Redis is tried again.
REDIS_RETRY_S = 1.0
#: Longest a Redis round trip may take before the request goes on without it.
REDIS_TIMEOUT_S = 0.25

# KEYS[1]: the key's TAT; ARGV: interval (µs), tolerance (µs). Redis's clock, so that processes
# on machines with skewed clocks still share one timeline. Returns allowed, retry-after (µs),
# remaining, reset (µs): integers, since Lua numbers come back truncated.
GCRA_LUA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local ahead = new_tat - now
if ahead > tolerance then
  return {0, ahead - tolerance, 0, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(ahead / 1000) + 1)
return {1, 0, math.floor((tolerance - ahead) / interval), ahead}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may go on, and what to tell the client."""

    allowed: bool
    retry_after_s: float
    remaining: int
    reset_s: float


class LocalLimiter:
    """GCRA over a dict of TATs in this process (thread-safe; pruned when it grows)."""

    def __init__(self, per_s: float, burst: int, max_keys: int = 100_000) -> None:
        self.interval = 1.0 / per_s
        self.tolerance = self.interval * burst
        self.max_keys = max_keys
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def decide(self, key: str, now: float | None = None) -> Decision:
        """Take one request of ``key``'s allowance, if there is one."""
        at = time.monotonic() if now is None else now
        with self._lock:
            tat = max(self._tat.get(key, at), at)
            ahead = tat + self.interval - at
            if ahead > self.tolerance:
                return Decision(False, ahead - self.tolerance, 0, tat - at)
            if len(self._tat) >= self.max_keys:
                # keys whose TAT is past hold nothing back: forgetting them changes no answer
                self._tat = {k: v for k, v in self._tat.items() if v > at}
            self._tat[key] = tat + self.interval
            return Decision(True, 0.0, int((self.tolerance - ahead) / self.interval), ahead)


class RedisLimiter:
    """GCRA on Redis, shared by every process on the same URL; the local one when Redis fails."""

    def __init__(self, url: str, per_s: float, burst: int, fallback: LocalLimiter) -> None:
        self.url = url
        self.interval_us = round(1_000_000 / per_s)
        self.tolerance_us = self.interval_us * burst
        self.fallback = fallback
        self._client: aioredis.Redis | None = None
        self._script: Any = None
        self._down_until = 0.0
        self._outage = Sparse(WARN_EVERY_S)

    def _connect(self) -> Any:
        # made lazily: the client's connections belong to the event loop that serves requests
        if self._script is None:
            self._client = aioredis.Redis.from_url(
                self.url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
            )
            self._script = self._client.register_script(GCRA_LUA)
        return self._script

    async def decide(self, key: str) -> Decision:
        """Take one request of ``key``'s shared allowance (or the local one, Redis being away)."""
        now = time.monotonic()
        if now < self._down_until:
            return self.fallback.decide(key, now)
        try:
            allowed, retry_us, remaining, reset_us = await self._connect()(
                keys=[f"corridor:ratelimit:{key}"], args=[self.interval_us, self.tolerance_us]
            )
        except (RedisError, OSError) as error:
            self._down_until = now + REDIS_RETRY_S
            if self._outage.due():
                log.warning(
                    "rate limit store %s unavailable (%s): limiting per process meanwhile",
                    self.url,
                    error,
                )
            return self.fallback.decide(key, now)
        return Decision(bool(allowed), retry_us / 1e6, int(remaining), reset_us / 1e6)

    async def close(self) -> None:
        """Close the connections."""
        if self._client is not None:
            await self._client.aclose()


def client_key(scope: Scope) -> str:
    """Who is asking: a digest of the bearer token, else the client address."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return "k:" + hashlib.sha256(value).hexdigest()[:32]
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RateLimit:
    """ASGI middleware: 429 problem+json with ``Retry-After`` once a key spent its allowance.

    Every limited response carries ``RateLimit-Limit`` (the burst), ``RateLimit-Remaining`` and
    ``RateLimit-Reset`` (seconds until the allowance is whole again), as in the IETF
    RateLimit header fields draft.
    """

    def __init__(
        self, app: ASGIApp, per_s: float, burst: int, redis_url: str | None = None
    ) -> None:
        self.app = app
        self.burst = burst
        self.local = LocalLimiter(per_s, burst)
        self.shared = RedisLimiter(redis_url, per_s, burst, self.local) if redis_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, or refuse it."""
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        decision = await self.shared.decide(key) if self.shared else self.local.decide(key)
        headers = [
            (b"ratelimit-limit", str(self.burst).encode()),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
            (b"ratelimit-reset", str(math.ceil(decision.reset_s)).encode()),
        ]
        if not decision.allowed:
            wait = max(1, math.ceil(decision.retry_after_s))
            response = problem(
                429,
                "rate-limited",
                "Too many requests",
                f"this key's allowance is spent; retry in {wait} s",
                scope["path"],
            )
            response.headers["Retry-After"] = str(wait)
            for name, value in headers:
                response.headers[name.decode()] = value.decode()
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
