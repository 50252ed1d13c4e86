"""API keys: who is calling, issuing and revoking keys, and the last admin key kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.roles import PERMISSIONS, Role
from app.settings import get_settings
from tests.app.conftest import make_key

pytestmark = pytest.mark.anyio


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_key_can_ask_who_it_is(client: httpx.AsyncClient, database_url: str) -> None:
    for role in Role:
        me = await client.get("/v1/me", headers=make_key(database_url, "Org A", role))
        assert me.status_code == 200, me.text
        body = me.json()
        assert body["organisation"]["name"] == "Org A"
        assert body["key"]["role"] == role.value
        assert body["key"]["active"] is True
        assert body["permissions"] == sorted(p.value for p in PERMISSIONS[role])
        # an organisation's admin manages its keys; only the network operator runs the network
        assert ("keys:write" in body["permissions"]) == (role is Role.ADMIN)
        assert ("network:operate" in body["permissions"]) == (role is Role.NETWORK_OPERATOR)
    anonymous = await client.get("/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")


async def test_an_admin_issues_lists_and_revokes_keys(
    client: httpx.AsyncClient, database_url: str
) -> None:
    admin = make_key(database_url, "Org A", Role.ADMIN)
    made = await client.post(
        "/v1/keys", json={"role": "dispatcher", "label": "TMS integration"}, headers=admin
    )
    assert made.status_code == 201, made.text
    issued = made.json()
    assert made.headers["location"] == f"/v1/keys/{issued['id']}"
    assert issued["token"].startswith(f"cor_{issued['id']}_")
    new = bearer(issued["token"])
    me = (await client.get("/v1/me", headers=new)).json()  # now cached by this process
    assert (me["key"]["id"], me["key"]["role"], me["key"]["label"]) == (
        issued["id"],
        "dispatcher",
        "TMS integration",
    )
    listed = (await client.get("/v1/keys", headers=admin)).json()["items"]
    assert issued["id"] in [k["id"] for k in listed]
    assert not any("token" in k or "secret_sha256" in k for k in listed)
    one = (await client.get(f"/v1/keys/{issued['id']}", headers=admin)).json()
    assert one == {k: v for k, v in issued.items() if k != "token"}

    # roles without keys:write, and other organisations, cannot see or touch them
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    assert (await client.get("/v1/keys", headers=forwarder)).status_code == 403
    assert (await client.post("/v1/keys", json={"role": "admin"}, headers=new)).status_code == 403
    other = make_key(database_url, "Org B", Role.ADMIN)
    assert (await client.get(f"/v1/keys/{issued['id']}", headers=other)).status_code == 404
    assert (await client.delete(f"/v1/keys/{issued['id']}", headers=other)).status_code == 404
    assert (await client.get("/v1/me", headers=new)).status_code == 200

    assert (await client.delete(f"/v1/keys/{issued['id']}", headers=admin)).status_code == 204
    refused = await client.get("/v1/me", headers=new)
    assert refused.status_code == 401  # at once, although this process had it cached
    assert (await client.delete(f"/v1/keys/{issued['id']}", headers=admin)).status_code == 204
    revoked = (await client.get("/v1/keys?active=false", headers=admin)).json()["items"]
    assert [(k["id"], k["active"]) for k in revoked] == [(issued["id"], False)]
    assert revoked[0]["revoked_at"] is not None
    active = (await client.get("/v1/keys?active=true", headers=admin)).json()["items"]
    assert issued["id"] not in [k["id"] for k in active]


async def test_the_last_admin_key_is_kept(client: httpx.AsyncClient, database_url: str) -> None:
    first = make_key(database_url, "Org A", Role.ADMIN)
    first_id = (await client.get("/v1/me", headers=first)).json()["key"]["id"]
    kept = await client.delete(f"/v1/keys/{first_id}", headers=first)
    assert kept.status_code == 409
    assert kept.json()["type"].endswith("/last-admin-key")
    assert (await client.get("/v1/me", headers=first)).status_code == 200
    second = (await client.post("/v1/keys", json={"role": "admin"}, headers=first)).json()
    assert (await client.delete(f"/v1/keys/{first_id}", headers=first)).status_code == 204
    assert (await client.get("/v1/me", headers=bearer(second["token"]))).status_code == 200
    assert (await client.get("/v1/me", headers=first)).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "superuser"}, "body.role"),
        ({}, "body.role"),
        ({"role": "planner", "label": "x" * 201}, "body.label"),
        ({"role": "planner", "scopes": ["all"]}, "body.scopes"),
    ],
)
async def test_bad_key_requests_name_the_field(
    client: httpx.AsyncClient, database_url: str, body: dict[str, object], field: str
) -> None:
    admin = make_key(database_url, "Org A", Role.ADMIN)
    answer = await client.post("/v1/keys", json=body, headers=admin)
    assert answer.status_code == 422
    assert field in [e["field"] for e in answer.json()["errors"]]


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CORRIDOR_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_keys_from_the_command_line(cli_database: str) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "create", "--org", "Org C", "--role", "admin"])
    assert made.exit_code == 0, made.output
    admin_id = made.stdout.strip().removeprefix("cor_").split("_")[0]
    other = runner.invoke(cli, ["keys", "create", "--org", "Org C", "--role", "planner"])
    planner_id = other.stdout.strip().removeprefix("cor_").split("_")[0]
    listed = runner.invoke(cli, ["keys", "list", "--org", "Org C"])
    assert listed.exit_code == 0
    assert admin_id in listed.stdout
    assert planner_id in listed.stdout
    assert runner.invoke(cli, ["keys", "revoke", planner_id]).exit_code == 0
    last = runner.invoke(cli, ["keys", "revoke", admin_id])
    assert last.exit_code == 1
    assert "not revoked" in last.output
    missing = runner.invoke(cli, ["keys", "revoke", "nosuchkey"])
    assert missing.exit_code == 1
    assert "no key nosuchkey" in missing.output
    assert runner.invoke(cli, ["keys", "list", "--org", "Nobody"]).exit_code == 1
