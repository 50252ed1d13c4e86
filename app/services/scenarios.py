"""Stored scenarios: named, versioned patch operations over the base network.

Operations are validated by applying them to the base network when they are stored (unknown
ids and impossible values answer 422 naming the operation). The networks they make are kept in
a small per-process cache keyed by the operations' content, so quotes and maps on a scenario
do not re-apply it each time; networks are immutable, so sharing them is safe.

:func:`request_network` is the one place that decides which network a request is answered on:
the live one, a stored scenario's or an inline scenario's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import new_id, owned
from app.db.models import ScenarioVersion, StoredScenario
from app.errors import ServiceError, invalid
from app.problem_types import ProblemType
from app.schemas.scenarios import ScenarioIn
from graph import Network, apply_scenario, parse_scenario


class ScenarioNetworks:
    """The networks scenarios make, least recently used dropped beyond ``size``."""

    def __init__(self, base: Network, size: int = 16) -> None:
        self.base = base
        self.size = size
        self._made: OrderedDict[str, Network] = OrderedDict()
        self._lock = threading.Lock()

    def network(self, name: str, ops: Sequence[Mapping[str, Any]]) -> Network:
        """The base network with ``ops`` applied (raises ScenarioError when they do not apply).

        No operations: the base itself (the same content, so the same version).
        """
        if not ops:
            return self.base
        key = hashlib.sha256(
            json.dumps(ops, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        with self._lock:
            made = self._made.get(key)
            if made is not None:
                self._made.move_to_end(key)
                return made
        made = apply_scenario(self.base, parse_scenario(name, ops))
        with self._lock:
            self._made[key] = made
            while len(self._made) > self.size:
                self._made.popitem(last=False)
        return made


def request_network(
    db: Session,
    networks: ScenarioNetworks,
    live: Network,
    organisation_id: str,
    scenario_id: str | None = None,
    inline: ScenarioIn | None = None,
    field: str = "body.scenario_id",
) -> Network:
    """The network a request is answered on.

    The live network (the loaded one with the active network-wide disruptions), unless the
    request names one of the organisation's stored scenarios (its current version; another's
    answers 404) or gives one inline: a what-if over the loaded network, disruptions left out.
    Naming both answers 422 at ``field``.
    """
    if scenario_id is not None:
        if inline is not None:
            invalid(field, "give scenario or scenario_id, not both")
        stored = find(db, organisation_id, scenario_id)
        return networks.network(stored.name, current_ops(db, stored))
    if inline is not None:
        return networks.network(inline.name, inline.ops)
    return live


def find(db: Session, organisation_id: str, scenario_id: str) -> StoredScenario:
    """The organisation's scenario, or a 404 problem."""
    return owned(db, StoredScenario, scenario_id, organisation_id, "scenario")


def versions(db: Session, scenario_id: str) -> list[ScenarioVersion]:
    """Every version of a scenario, oldest first."""
    return list(
        db.scalars(
            select(ScenarioVersion)
            .where(ScenarioVersion.scenario_id == scenario_id)
            .order_by(ScenarioVersion.version)
        )
    )


def create(
    db: Session,
    networks: ScenarioNetworks,
    organisation_id: str,
    name: str,
    description: str | None,
    ops: list[dict[str, Any]],
    now: datetime,
) -> StoredScenario:
    """Validate and store a new scenario (in the caller's transaction)."""
    made = networks.network(name, ops)
    _unique_name(db, organisation_id, name, None)
    row = StoredScenario(
        id=new_id("sc"),
        organisation_id=organisation_id,
        name=name,
        description=description,
        version=1,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.flush()
    db.add(_version(row.id, 1, ops, networks.base, made, now))
    return row


def update(
    db: Session,
    networks: ScenarioNetworks,
    row: StoredScenario,
    changes: Mapping[str, Any],
    now: datetime,
) -> StoredScenario:
    """Apply ``changes`` (name, description, ops); new ops make a new version."""
    if "name" in changes and changes["name"] != row.name:
        _unique_name(db, row.organisation_id, changes["name"], row.id)
        row.name = changes["name"]
    if "description" in changes:
        row.description = changes["description"]
    if changes.get("ops") is not None:
        made = networks.network(row.name, changes["ops"])
        row.version += 1
        db.add(_version(row.id, row.version, changes["ops"], networks.base, made, now))
    row.updated_at = now
    return row


def current_ops(db: Session, row: StoredScenario) -> list[dict[str, Any]]:
    """The operations of the scenario's current version."""
    version = db.get(ScenarioVersion, (row.id, row.version))
    assert version is not None
    return list(version.ops)


def _version(
    scenario_id: str,
    number: int,
    ops: list[dict[str, Any]],
    base: Network,
    made: Network,
    now: datetime,
) -> ScenarioVersion:
    return ScenarioVersion(
        scenario_id=scenario_id,
        version=number,
        ops=ops,
        base_network_version=base.version,
        network_version=made.version,
        created_at=now,
    )


def _unique_name(db: Session, organisation_id: str, name: str, other_than: str | None) -> None:
    clash = db.scalar(
        select(StoredScenario.id).where(
            StoredScenario.organisation_id == organisation_id, StoredScenario.name == name
        )
    )
    if clash is not None and clash != other_than:
        raise ServiceError(
            ProblemType.SCENARIO_NAME_TAKEN,
            "A scenario with this name exists",
            f"scenario {clash} is already called {name!r}",
        )
