"""The running service's shared objects, typed: what request handlers and its threads read.

One :class:`Running` is made when the service starts (``app.main``'s lifespan) and kept as
``app.state.running``; handlers reach it with :func:`running`. A network reload replaces its
network-bound members (``app.reload``) while requests go on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.auth import KeyCache
    from app.jobs.runner import Runner
    from app.observability import Metrics
    from app.reload import Follower
    from app.services.disruptions import LiveNetwork
    from app.services.scenarios import ScenarioNetworks
    from app.services.studies import BaseYearFile, DefaultDemand
    from app.services.webhooks import Dispatcher
    from app.settings import Settings
    from graph import Network


@dataclass(eq=False)
class Running:
    """Everything the service shares between requests and its background threads."""

    settings: Settings
    metrics: Metrics
    keys: KeyCache
    #: quotes are CPU-bound: two at a time per process keep the GIL from being fought over by
    #: every thread of the pool, while the database work of other requests goes on
    solving: threading.BoundedSemaphore
    engine: Engine
    jobs: Runner
    webhooks: Dispatcher
    live: LiveNetwork
    # the loaded network and what is read against it (replaced together by a reload)
    network: Network
    network_loaded_at: datetime
    scenario_networks: ScenarioNetworks
    default_demand: DefaultDemand
    base_year: BaseYearFile
    follower: Follower | None = None


def running(request: Request) -> Running:
    """The service's shared objects (made when it started)."""
    state: Running = request.app.state.running
    return state
