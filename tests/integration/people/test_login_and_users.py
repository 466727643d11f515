"""Logging in and managing people against a running master: the same refusal for an unknown
user and a wrong password, throttling, tokens that stop working when a user is disabled or the
token is forged or stale, write-only passwords, the last-admin guard, and the audit trail."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from master.app import ensure_admin, open_store
from master.auth.access import issue_access
from shared.errors import ConfigError
from tests.harness import master_settings
from tests.integration.people.conftest import (
    ADMIN_PASSWORD,
    JWT_SECRET,
    PASSWORDS,
    People,
    login,
    token_of,
)


async def test_unknown_user_and_wrong_password_get_the_same_answer(people: People) -> None:
    unknown = await login(people.http, "nobody", "whatever-password-1")
    wrong = await login(people.http, "vera", "not-veras-password")
    assert unknown.status_code == wrong.status_code == 401
    assert (
        unknown.json()
        == wrong.json()
        == {
            "error": "unauthorized",
            "message": "invalid username or password",
        }
    )


async def test_a_login_gives_a_short_lived_token_that_says_who_i_am(people: People) -> None:
    r = await login(people.http, "vera", PASSWORDS["vera"])
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["user"] == {"username": "vera", "role": "viewer", "must_change_password": False}
    assert body["refresh_token"].startswith("lkr_")
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=strict" in r.headers["set-cookie"]
    assert "password_hash" not in r.text and "argon2" not in r.text
    me = await people.http.get("/api/v1/auth/me", headers=people.auth("viewer"))
    assert me.json()["name"] == "vera" and me.json()["role"] == "viewer"


async def test_repeated_failures_are_throttled_with_retry_after(people: People) -> None:
    codes = [(await login(people.http, "otto", f"guess-number-{i}")).status_code for i in range(6)]
    assert codes[:4] == [401] * 4
    assert 429 in codes[4:]
    r = await login(people.http, "otto", PASSWORDS["otto"])  # even the right password waits
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


async def test_forged_expired_and_malformed_tokens_are_refused(people: People) -> None:
    now = int(time.time())
    forged, _ = issue_access(
        "another-secret-" + "x" * 32, subject="admin", session="s", now_s=now, ttl_s=300
    )
    stale, _ = issue_access(JWT_SECRET, subject="admin", session="s", now_s=now - 3600, ttl_s=300)
    for token in (forged, stale, "not.a.jwt", people.tokens["admin"] + "x"):
        r = await people.http.get("/api/v1/clusters", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token


async def test_a_disabled_user_is_refused_at_once_and_cannot_log_in(people: People) -> None:
    assert (await people.http.get("/api/v1/clusters", headers=people.auth("viewer"))).is_success
    r = await people.http.patch(
        "/api/v1/users/vera", json={"disabled": True}, headers=people.auth("admin")
    )
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (
        await people.http.get("/api/v1/clusters", headers=people.auth("viewer"))
    ).status_code == 401
    assert (await login(people.http, "vera", PASSWORDS["vera"])).status_code == 401


async def test_users_api_rejects_weak_passwords_duplicates_and_unknown_fields(
    people: People,
) -> None:
    admin = people.auth("admin")
    weak = await people.http.post(
        "/api/v1/users",
        json={"username": "pat", "password": "password", "role": "viewer"},
        headers=admin,
    )
    assert weak.status_code == 422 and "password" in weak.json()["message"]
    dup = await people.http.post(
        "/api/v1/users",
        json={"username": "vera", "password": "a-fine-long-password", "role": "viewer"},
        headers=admin,
    )
    assert dup.status_code == 409
    extra = await people.http.post(
        "/api/v1/users",
        json={"username": "pat", "password": "a-fine-long-password", "role": "root"},
        headers=admin,
    )
    assert extra.status_code == 422
    listed = await people.http.get("/api/v1/users", headers=admin)
    assert {u["username"] for u in listed.json()["items"]} == {"admin", "vera", "otto", "nina"}
    assert "hash" not in listed.text and "argon2" not in listed.text


async def test_the_last_active_admin_cannot_be_demoted_or_disabled(people: People) -> None:
    admin = people.auth("admin")
    for change in ({"role": "viewer"}, {"disabled": True}):
        r = await people.http.patch("/api/v1/users/admin", json=change, headers=admin)
        assert r.status_code == 409, change
    r = await people.http.patch("/api/v1/users/otto", json={"role": "admin"}, headers=admin)
    assert r.json()["role"] == "admin"
    r = await people.http.patch("/api/v1/users/admin", json={"disabled": True}, headers=admin)
    assert r.status_code == 200


async def test_changing_my_password_needs_the_current_one(people: People) -> None:
    me = people.auth("viewer")
    bad = await people.http.post(
        "/api/v1/auth/password",
        json={"current": "wrong-one-here", "new": "brand-new-secret-9"},
        headers=me,
    )
    assert bad.status_code == 401
    ok = await people.http.post(
        "/api/v1/auth/password",
        json={"current": PASSWORDS["vera"], "new": "brand-new-secret-9"},
        headers=me,
    )
    assert ok.status_code == 204
    assert (await login(people.http, "vera", PASSWORDS["vera"])).status_code == 401
    assert await token_of(people.http, "vera", "brand-new-secret-9")


async def test_logins_and_user_changes_are_audited_with_who_did_them(people: People) -> None:
    await login(people.http, "vera", "not-veras-password")
    await people.http.patch(
        "/api/v1/users/otto", json={"role": "viewer"}, headers=people.auth("admin")
    )
    rows = await people.master.master.store.audit.list(limit=50)
    seen = {(r.actor, r.action, r.outcome) for r in rows}
    assert ("admin", "login", "ok") in seen
    assert ("vera", "login", "failed") in seen
    assert ("admin", "user.create", "ok") in seen
    change = next(r for r in rows if r.action == "user.change")
    assert change.actor == "admin" and change.target == "otto"
    secrets = [*PASSWORDS.values(), ADMIN_PASSWORD, "not-veras-password"]
    logged = b"".join(r.detail_json for r in rows).decode()
    assert not [s for s in secrets if s in logged], "a password reached the audit log"
    assert "user_agent" in logged and "127.0.0.1" in logged


async def test_the_bootstrap_admin_is_made_once_and_never_from_a_weak_password(
    tmp_path: Path,
) -> None:
    weak = master_settings(tmp_path / "w", bootstrap_admin_password="admin")
    store = await open_store(weak)
    try:
        with pytest.raises(ConfigError, match="BOOTSTRAP_ADMIN_PASSWORD"):
            await ensure_admin(store, weak)
        assert await store.users.list() == []
    finally:
        await store.close()
    good = master_settings(tmp_path / "g", bootstrap_admin_password="a-strong-first-password")
    store = await open_store(good)
    try:
        await ensure_admin(store, good)
        await ensure_admin(store, good)
        (admin,) = await store.users.list()
        assert admin.username == "admin" and admin.role == "admin"
        assert admin.password_hash.startswith("$argon2id$")
    finally:
        await store.close()


async def test_without_a_jwt_secret_logins_are_off(tmp_path: Path) -> None:
    from tests.harness import running_master

    settings = master_settings(tmp_path / "m", bootstrap_admin_password="a-strong-first-password")
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"
        async with httpx.AsyncClient(base_url=base) as http:
            r = await login(http, "admin", "a-strong-first-password")
    assert r.status_code == 401 and "not enabled" in r.json()["message"]
    await asyncio.sleep(0)


async def test_refused_requests_are_audited_and_a_flood_is_bounded(people: People) -> None:
    http = people.http
    await http.get("/api/v1/users", headers=people.auth("viewer"))  # 403
    for _ in range(60):  # 401s from one address
        await http.get("/api/v1/clusters", headers={"Authorization": "Bearer nope"})
    rows = await people.master.master.store.audit.list(limit=500)
    refused = [r for r in rows if r.action == "request.refused"]
    forbidden = [r for r in refused if r.actor == "vera"]
    assert len(forbidden) == 1 and b'"/api/v1/users"' in forbidden[0].detail_json
    assert b'"status":403' in forbidden[0].detail_json.replace(b" ", b"")
    assert 10 <= len(refused) <= 30, "a flood of bad tokens must not flood the audit log"
