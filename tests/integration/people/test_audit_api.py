"""The audit log end to end: entries written by real HTTP requests verify with
``python -m master audit verify`` (SQLite and MariaDB), edits made straight in the database are
named by it, and ``/api/v1/audit`` filters, pages, keeps operators to their own entries and
exports in both formats."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import delete, insert, select, update

from master.store.schema.tables import audit_log
from tests.harness import API_TOKEN, add_cluster, master_settings, running_master
from tests.integration.people.conftest import (
    ADMIN_PASSWORD,
    JWT_SECRET,
    PASSWORDS,
    People,
    token_of,
)
from tests.mariadb import mariadb_dsn, mariadb_server

__all__ = ["mariadb_dsn", "mariadb_server"]

ROOT = Path(__file__).resolve().parents[3]  # the worktree: ``python -m master`` imports it


@pytest.fixture(params=["sqlite", "mariadb"])
async def audited(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[People, dict[str, str]]]:
    """A running master (on each backend) whose admin created a viewer and an operator over
    HTTP, everyone logged in; and the environment the CLI needs to reach the same store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    # The same settings the running master has (the CLI validates them like `run` does).
    env |= {"MASTER_DATA_DIR": str(tmp_path / "m"), "MASTER_API_TOKEN": API_TOKEN}
    env |= {"MASTER_GRPC_PLAINTEXT": "true", "MASTER_JWT_SECRET": JWT_SECRET}
    overrides: dict[str, Any] = {}
    if request.param == "mariadb":
        overrides["store_dsn"] = env["MASTER_STORE_DSN"] = request.getfixturevalue("mariadb_dsn")
    settings = master_settings(
        tmp_path / "m",
        jwt_secret=JWT_SECRET,
        bootstrap_admin_password=ADMIN_PASSWORD,
        **overrides,
    )
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{m.master.http_port}") as http:
            admin = await token_of(http, "admin", ADMIN_PASSWORD)
            for name, role in (("vera", "viewer"), ("otto", "operator")):
                r = await http.post(
                    "/api/v1/users",
                    json={"username": name, "password": PASSWORDS[name], "role": role},
                    headers={"Authorization": f"Bearer {admin}"},
                )
                assert r.status_code == 201, r.text
            tokens = {
                "admin": admin,
                "viewer": await token_of(http, "vera", PASSWORDS["vera"]),
                "operator": await token_of(http, "otto", PASSWORDS["otto"]),
            }
            yield People(m, http, tokens), env


def verify_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "master", "audit", *(args or ("verify",))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _rows(people: People) -> list[Any]:
    async with people.master.master.store.engine.connect() as conn:
        return list((await conn.execute(select(audit_log).order_by(audit_log.c.id))).all())


async def _sql(people: People, *statements: Any) -> None:
    async with people.master.master.store.engine.begin() as conn:
        for stmt in statements:
            await conn.execute(stmt)


def _values(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row._mapping.items() if k != "id"}


async def test_entries_from_http_verify_and_edits_in_the_database_are_named(
    audited: tuple[People, dict[str, str]],
) -> None:
    people, env = audited
    r = await people.http.patch(
        "/api/v1/users/vera", json={"role": "operator"}, headers=people.auth("admin")
    )
    assert r.status_code == 200
    rows = await _rows(people)
    assert {"login", "user.create", "user.change"} <= {r.action for r in rows}
    ok = verify_cli(env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip() == f"audit log intact: {len(rows)} entries"
    jsonl = verify_cli(env, "export", "--format", "jsonl")
    assert jsonl.returncode == 0, jsonl.stderr
    exported = [orjson.loads(line) for line in jsonl.stdout.splitlines()]
    assert [(e["id"], e["entry_hash"]) for e in exported] == [(r.id, r.entry_hash) for r in rows]
    assert exported[0]["detail"] == orjson.loads(rows[0].detail_json)
    as_csv = verify_cli(env, "export", "--format", "csv")
    assert [int(c["id"]) for c in csv.DictReader(io.StringIO(as_csv.stdout))] == [
        r.id for r in rows
    ]

    victim = rows[2]
    await _sql(people, update(audit_log).where(audit_log.c.id == victim.id).values(actor="eve"))
    altered = verify_cli(env)
    assert altered.returncode == 1
    assert f"entry {victim.id} is altered" in altered.stdout
    await _sql(people, update(audit_log).where(audit_log.c.id == victim.id).values(_values(victim)))
    assert verify_cli(env).returncode == 0

    gone = rows[3]
    await _sql(people, delete(audit_log).where(audit_log.c.id == gone.id))
    missing = verify_cli(env)
    assert missing.returncode == 1
    assert f"entry {gone.id} is missing" in missing.stdout
    await _sql(people, insert(audit_log).values(gone._mapping))

    a, b = rows[1], rows[4]
    await _sql(
        people,
        update(audit_log).where(audit_log.c.id == a.id).values(_values(b)),
        update(audit_log).where(audit_log.c.id == b.id).values(_values(a)),
    )
    moved = verify_cli(env)
    assert moved.returncode == 1
    assert f"entry {a.id} is reordered" in moved.stdout


async def _all_pages(people: People, role: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = dict(params)
    while True:
        r = await people.http.get("/api/v1/audit", params=query, headers=people.auth(role))
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        if body["next_before_id"] is None:
            return items
        query["before_id"] = body["next_before_id"]


async def test_an_operator_sees_only_their_own_entries_an_admin_sees_all(people: People) -> None:
    own = await _all_pages(people, "operator")
    assert own and {i["actor"] for i in own} == {"otto"}
    assert await _all_pages(people, "operator", actor="admin") == []
    everyone = await _all_pages(people, "admin")
    assert {"admin", "vera", "otto"} <= {i["actor"] for i in everyone}
    viewer = await people.http.get("/api/v1/audit", headers=people.auth("viewer"))
    assert viewer.status_code == 403


async def test_the_list_filters_pages_newest_first_and_bounds_its_limit(people: People) -> None:
    store = people.master.master.store
    await store.audit.append(at_ms=5, actor="ci", action="cluster.add", cluster="edge")
    await store.audit.append(at_ms=7, actor="ci", action="cluster.rotate", cluster="edge")
    everything = await _all_pages(people, "admin", limit=2)
    ids = [i["id"] for i in everything]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids)) >= 7
    assert everything == (await _all_pages(people, "admin", limit=1000))
    creates = await _all_pages(people, "admin", action="user.create")
    assert [i["target"] for i in creates] == ["nina", "otto", "vera"]
    assert creates[1]["detail"]["role"] == "operator"  # an object, not a JSON string
    assert [i["action"] for i in await _all_pages(people, "admin", cluster="edge")] == [
        "cluster.rotate",
        "cluster.add",
        "rolebinding.create",  # nina's, from the fixture: ordered by id, not by at_ms
    ]
    window = await _all_pages(people, "admin", **{"from": 5, "to": 7})
    assert [i["action"] for i in window] == ["cluster.add"]
    logins = await _all_pages(people, "admin", actor="vera", action="login")
    assert [(i["actor"], i["outcome"]) for i in logins] == [("vera", "ok")]
    for bad in ({"limit": 0}, {"limit": 1001}, {"before_id": "x"}, {"from": "yesterday"}):
        r = await people.http.get("/api/v1/audit", params=bad, headers=people.auth("admin"))
        assert r.status_code == 400, bad


async def test_the_export_parses_back_in_both_formats_and_is_admin_only(people: People) -> None:
    listed = list(reversed(await _all_pages(people, "admin")))
    jsonl = await people.http.get(
        "/api/v1/audit/export", params={"format": "jsonl"}, headers=people.auth("admin")
    )
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert [orjson.loads(line) for line in jsonl.text.splitlines()] == listed
    got = await people.http.get(
        "/api/v1/audit/export", params={"format": "csv"}, headers=people.auth("admin")
    )
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(got.text)))
    assert [int(p["id"]) for p in parsed] == [i["id"] for i in listed]
    assert [orjson.loads(p["detail"]) for p in parsed] == [i["detail"] for i in listed]
    assert [p["entry_hash"] for p in parsed] == [i["entry_hash"] for i in listed]
    only = await people.http.get(
        "/api/v1/audit/export",
        params={"format": "jsonl", "action": "user.create"},
        headers=people.auth("admin"),
    )
    assert [orjson.loads(x)["target"] for x in only.text.splitlines()] == ["vera", "otto", "nina"]
    refused = await people.http.get("/api/v1/audit/export", headers=people.auth("operator"))
    assert refused.status_code == 403
    bad = await people.http.get(
        "/api/v1/audit/export", params={"format": "xml"}, headers=people.auth("admin")
    )
    assert bad.status_code == 400
