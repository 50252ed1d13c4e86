"""Loading the configured network, at start-up and again while serving.

A reload reads and validates the configured network file from scratch. Any problem leaves the
process on the network it serves, and the problems are answered, every one; only a network that
validates replaces it. Networks are immutable, so requests in flight finish on the one they
started with, and the swap is a handful of reference assignments.

A reload affects the process that receives it. Other API processes and the Celery workers keep
their network until they restart (which loads the file again) or are reloaded themselves, e.g.
through each replica's own address; every network version served is recorded in the database.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.engine import writing
from app.db.models import NetworkVersion
from app.problems import ApiProblem
from app.scenarios import ScenarioNetworks
from app.settings import Settings
from app.studies import DefaultDemand
from graph import Network, load_network
from graph.errors import NetworkValidationError

log = logging.getLogger("corridor")

#: One reload at a time per process: a second would only load the same file again.
_RELOADING = threading.Lock()


def load_configured(config: Settings) -> Network:
    """The configured network file, loaded and validated, priced at the configured rate."""
    loaded = load_network(config.network_path)
    if config.usd_cny_rate is not None:
        loaded = loaded.with_reference_rate("USD", config.usd_cny_rate, datetime.now(UTC).date())
    return loaded


def record_network_version(engine: Engine, network: Network, path: str) -> None:
    """Remember which network versions this database has served (an upsert by version)."""
    now = datetime.now(UTC)
    with Session(engine) as session, writing(session):
        row = session.get(NetworkVersion, network.version)
        if row is None:
            session.add(
                NetworkVersion(
                    version=network.version,
                    path=path,
                    locations=len(network.locations),
                    service_legs=len(network.legs),
                    first_loaded_at=now,
                    last_loaded_at=now,
                )
            )
        else:
            row.last_loaded_at = now


def reload(state: Any, config: Settings) -> tuple[Network, Network]:
    """Load the configured network and serve it from ``state`` (the app's); (old, new).

    Raises
    ------
    ApiProblem
        422 ``invalid-network-data`` listing every problem (the old network keeps serving), or
        409 ``reload-in-progress`` while another reload of this process runs.
    """
    if not _RELOADING.acquire(blocking=False):
        raise ApiProblem(
            409, "reload-in-progress", "A reload is running", "try again once it has finished"
        )
    try:
        old: Network = state.network
        try:
            new = load_configured(config)
        except NetworkValidationError as error:
            log.error(
                "network reload refused: %d problem(s) in %s; still serving %s",
                len(error.problems),
                config.network_path,
                old.version,
            )
            raise ApiProblem(
                422,
                "invalid-network-data",
                "Network data does not validate",
                f"{config.network_path}: {len(error.problems)} problem(s); "
                f"still serving {old.version}",
                errors=[
                    {"where": p.where, "item": p.item, "field": p.field, "message": p.message}
                    for p in error.problems
                ],
            ) from error
        except OSError as error:
            log.error("network reload refused: %s; still serving %s", error, old.version)
            raise ApiProblem(
                422,
                "invalid-network-data",
                "Network data does not validate",
                f"cannot read the network: {error}; still serving {old.version}",
                errors=[{"where": str(config.network_path), "message": str(error)}],
            ) from error
        record_network_version(state.engine, new, str(config.network_path))
        networks = ScenarioNetworks(new)
        state.live.rebase(new)
        state.scenario_networks = networks
        state.default_demand = DefaultDemand(config.demand_path, new)
        state.network = new
        # jobs run by this process (the in-process runner) use the new network from now on
        context = getattr(state.jobs, "context", None)
        if context is not None:
            context.resources.update(network=new, scenario_networks=networks)
        log.info("network reloaded: %s -> %s", old.version, new.version)
        return old, new
    finally:
        _RELOADING.release()
