"""Loading the configured network, at start-up and again while serving.

A reload reads and validates the configured network file (or, for files unchanged since a
network was built from them, reads that network kept by :mod:`graph.kept`). Any problem leaves the
process on the network it serves, and the problems are answered, every one; only a network that
validates replaces it. Networks are immutable, so requests in flight finish on the one they
started with, and the swap is a handful of reference assignments.

Every process records the versions it loads in the database. Other API processes follow a
reload (:class:`Follower`): when a version newer than their own network was loaded elsewhere,
they load their configured file and serve it if it gives that version (a shared file that
changed); a replica whose file gives another version keeps its network and warns once. Celery
workers keep the network they started with until they restart.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.cache import cache_dir
from app.db.base import utc
from app.db.engine import writing
from app.db.models import NetworkVersion
from app.errors import ServiceError
from app.observability import Sparse
from app.problem_types import ProblemType
from app.services.scenarios import ScenarioNetworks
from app.services.studies import BaseYearFile, DefaultDemand
from app.settings import Settings
from app.state import Running
from graph import Network, load_network
from graph.base_year import base_year_beside
from graph.errors import NetworkValidationError

log = logging.getLogger("corridor")

#: One reload at a time per process: a second would only load the same file again.
_RELOADING = threading.Lock()


def load_configured(config: Settings) -> Network:
    """The configured network file, loaded and validated, priced at the configured rate."""
    loaded = load_network(config.network_path, keep_in=cache_dir(config.cache_dir))
    if config.usd_cny_rate is not None:
        loaded = loaded.with_reference_rate("USD", config.usd_cny_rate, datetime.now(UTC).date())
    return loaded


def record_network_version(engine: Engine, network: Network, path: str) -> None:
    """Remember which network versions this database has served.

    One upsert statement: replicas that load the same version at the same instant all succeed
    (the first inserts, the others update ``last_loaded_at``).
    """
    now = datetime.now(UTC)
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(NetworkVersion).values(
        version=network.version,
        path=path,
        locations=len(network.locations),
        service_legs=len(network.legs),
        first_loaded_at=now,
        last_loaded_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[NetworkVersion.version], set_={"last_loaded_at": now}
    )
    with Session(engine) as session, writing(session):
        session.execute(statement)


def reload(state: Running, config: Settings, expect: str | None = None) -> tuple[Network, Network]:
    """Load the configured network and serve it from ``state``; (old, new).

    With ``expect``, serve it only if it has that version (following another process).

    Raises
    ------
    ServiceError
        422 ``invalid-network-data`` listing every problem (the old network keeps serving),
        409 ``reload-in-progress`` while another reload of this process runs, or 409
        ``network-version-mismatch`` when the file does not give ``expect``.
    """
    if not _RELOADING.acquire(blocking=False):
        raise ServiceError(
            ProblemType.RELOAD_IN_PROGRESS, "A reload is running", "try again once it has finished"
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
            raise ServiceError(
                ProblemType.INVALID_NETWORK_DATA,
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
            raise ServiceError(
                ProblemType.INVALID_NETWORK_DATA,
                "Network data does not validate",
                f"cannot read the network: {error}; still serving {old.version}",
                errors=[{"where": str(config.network_path), "message": str(error)}],
            ) from error
        if expect is not None and new.version != expect:
            raise ServiceError(
                ProblemType.NETWORK_VERSION_MISMATCH,
                "The network file gives another version",
                f"{config.network_path} gives {new.version}, not {expect}",
            )
        state.network_loaded_at = datetime.now(UTC)
        record_network_version(state.engine, new, str(config.network_path))
        networks = ScenarioNetworks(new)
        state.live.rebase(new)
        state.scenario_networks = networks
        state.default_demand = DefaultDemand(config.demand_path, new)
        state.base_year = BaseYearFile(base_year_beside(config.network_path), new)
        state.network = new
        # jobs run by this process (the in-process runner) use the new network from now on
        context = getattr(state.jobs, "context", None)
        if context is not None:
            context.resources.update(network=new, scenario_networks=networks)
        log.info("network reloaded: %s -> %s", old.version, new.version)
        return old, new
    finally:
        _RELOADING.release()


#: How often a process looks for a network version another process loaded, in seconds.
FOLLOW_S = 2.0


class Follower:
    """Serves the network version another process reloaded, when the configured file gives it."""

    def __init__(self, state: Running, config: Settings, interval_s: float = FOLLOW_S) -> None:
        self.state = state
        self.config = config
        self.interval_s = interval_s
        self._refused: set[str] = set()  # versions this process's file did not give
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="corridor-follow", daemon=True)

    def start(self) -> None:
        """Look every ``interval_s`` seconds."""
        self._thread.start()

    def stop(self) -> None:
        """Stop looking."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        outage = Sparse()
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except SQLAlchemyError as error:  # the database away: try again next time
                if outage.due():
                    log.warning("cannot look for reloaded networks: %s", error)

    def check(self) -> str | None:
        """Follow the newest version loaded elsewhere if it is due; the version taken, or None."""
        with Session(self.state.engine) as db:
            newest = db.execute(
                select(NetworkVersion.version, NetworkVersion.last_loaded_at)
                .order_by(NetworkVersion.last_loaded_at.desc())
                .limit(1)
            ).first()
        if newest is None:
            return None
        version, loaded_at = newest
        if (
            version == self.state.network.version
            or version in self._refused
            or utc(loaded_at) <= self.state.network_loaded_at
        ):
            return None
        try:
            reload(self.state, self.config, expect=version)
        except ServiceError as problem:
            if problem.slug == "reload-in-progress":
                return None  # this process is reloading itself: look again next time
            self._refused.add(version)
            log.warning(
                "another process serves network %s; this one keeps %s: %s",
                version,
                self.state.network.version,
                problem.detail,
            )
            return None
        log.info("network %s followed from another process", version)
        return str(version)
