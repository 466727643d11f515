"""Sessions, API tokens, role bindings and cluster registration against a running master:
refresh tokens rotate and a replayed one ends its family; logout and user changes end sessions
at once; cookies need the CSRF header; an API token is shown once, works with its binding's
rights (never above its maker's), and stops at revocation or expiry; a namespace-scoped viewer
sees only their namespace; an admin registers a cluster and gets its agent token once."""

from __future__ import annotations

import asyncio

import httpx

from master.clusters import tokens as agent_tokens
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta
from tests.integration.people.conftest import PASSWORDS, People, login

API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_refresh_token_rotates_and_a_replayed_one_ends_the_family(people: People) -> None:
    http = people.http
    first = (await login(http, "vera", PASSWORDS["vera"])).json()
    r = await http.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await http.get(f"{API}/auth/me", headers=bearer(second["access_token"]))).is_success
    # The first token again: someone replayed it. The family ends, the newest token too.
    replay = await http.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    newest = await http.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert newest.status_code == 401
    me = await http.get(f"{API}/auth/me", headers=bearer(second["access_token"]))
    assert me.status_code == 401, "the family's access token outlived the reuse"
    rows = await people.master.master.store.audit.list(actor="vera", limit=20)
    assert any(r.action == "refresh" and r.outcome == "reused" for r in rows)


async def test_logout_ends_the_session_and_its_tokens(people: People) -> None:
    http = people.http
    body = (await login(http, "vera", PASSWORDS["vera"])).json()
    out = await http.post(f"{API}/auth/logout", headers=bearer(body["access_token"]))
    assert out.status_code == 204
    assert (
        await http.get(f"{API}/auth/me", headers=bearer(body["access_token"]))
    ).status_code == 401
    again = await http.post(f"{API}/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert again.status_code == 401


async def test_a_role_change_ends_the_users_sessions(people: People) -> None:
    http = people.http
    viewer = people.auth("viewer")
    r = await http.patch(
        f"{API}/users/vera", json={"role": "operator"}, headers=people.auth("admin")
    )
    assert r.status_code == 200
    assert (await http.get(f"{API}/auth/me", headers=viewer)).status_code == 401


async def test_the_refresh_cookie_needs_the_csrf_header(people: People) -> None:
    base = str(people.http.base_url)
    # A browser: cookies kept by the client (Secure cookies are sent here: plain HTTP on
    # loopback is how the tests reach the master; the flag itself is asserted below).
    async with httpx.AsyncClient(base_url=base) as browser:
        r = await login(browser, "vera", PASSWORDS["vera"])
        cookies = r.headers.get_list("set-cookie")
        refresh_cookie = next(c for c in cookies if c.startswith("lookout_refresh="))
        assert "HttpOnly" in refresh_cookie and "Secure" in refresh_cookie
        assert "Path=/api/v1/auth" in refresh_cookie and "SameSite=strict" in refresh_cookie
        csrf = r.cookies["lookout_csrf"]
        refresh = r.cookies["lookout_refresh"]
    jar = {"lookout_refresh": refresh, "lookout_csrf": csrf}
    async with httpx.AsyncClient(base_url=base, cookies=jar) as browser:
        forged = await browser.post(f"{API}/auth/refresh")
        assert forged.status_code == 401 and "CSRF" in forged.text
        wrong = await browser.post(f"{API}/auth/refresh", headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 401
        ok = await browser.post(f"{API}/auth/refresh", headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200, ok.text
        assert ok.cookies["lookout_refresh"] != refresh


async def test_an_api_token_is_shown_once_scoped_capped_and_revocable(people: People) -> None:
    http = people.http
    made = await http.post(
        f"{API}/tokens",
        json={"name": "ci-read", "role": "viewer", "expires_in_days": 30},
        headers=people.auth("operator"),
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    token_id = made.json()["id"]
    assert token.startswith("lko_")
    listed = await http.get(f"{API}/tokens", headers=people.auth("operator"))
    assert [t["id"] for t in listed.json()["items"]] == [token_id]
    assert token not in listed.text and token.split("_")[-1] not in listed.text
    assert (await http.get(f"{API}/clusters", headers=bearer(token))).status_code == 200
    cmd = {"type": "restart", "target": {"kind": "Deployment", "namespace": "shop", "name": "w"}}
    denied = await http.post(f"{API}/clusters/edge/commands", json=cmd, headers=bearer(token))
    assert denied.status_code == 403  # a viewer token, though its maker operates
    # Above the maker: refused.
    above = await http.post(
        f"{API}/tokens", json={"name": "x", "role": "admin"}, headers=people.auth("operator")
    )
    assert above.status_code == 403
    # A token cannot make tokens.
    nested = await http.post(
        f"{API}/tokens", json={"name": "y", "role": "viewer"}, headers=bearer(token)
    )
    assert nested.status_code == 403
    # Another user cannot see or revoke it.
    other = await http.delete(f"{API}/tokens/{token_id}", headers=people.auth("viewer"))
    assert other.status_code == 404
    gone = await http.delete(f"{API}/tokens/{token_id}", headers=people.auth("operator"))
    assert gone.status_code == 204
    assert (await http.get(f"{API}/clusters", headers=bearer(token))).status_code == 401
    # A wrong secret with a real id is refused like any bad token.
    forged = "lko_" + token_id + "_" + "A" * 43
    assert (await http.get(f"{API}/clusters", headers=bearer(forged))).status_code == 401


async def test_a_users_token_loses_what_its_owner_loses(people: People) -> None:
    http = people.http
    made = await http.post(
        f"{API}/tokens", json={"name": "ci", "role": "operator"}, headers=people.auth("operator")
    )
    token = made.json()["token"]
    await http.patch(f"{API}/users/otto", json={"role": "viewer"}, headers=people.auth("admin"))
    await asyncio.sleep(1.1)  # other caches (the token's own row) are per second
    me = await http.get(f"{API}/auth/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["grants"] == []
    await http.patch(f"{API}/users/otto", json={"disabled": True}, headers=people.auth("admin"))
    assert (await http.get(f"{API}/auth/me", headers=bearer(token))).status_code == 401


async def test_a_service_account_token_made_by_an_admin(people: People) -> None:
    http = people.http
    made = await http.post(
        f"{API}/tokens",
        json={
            "name": "deploy-bot",
            "role": "operator",
            "cluster": "edge",
            "namespace": "shop",
            "service_account": "ci-deploy",
        },
        headers=people.auth("admin"),
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    me = (await http.get(f"{API}/auth/me", headers=bearer(token))).json()
    assert me["name"] == "ci-deploy" and me["kind"] == "token"
    assert me["grants"] == [{"role": "operator", "cluster": "edge", "namespace": "shop"}]
    by_viewer = await http.post(
        f"{API}/tokens",
        json={"name": "z", "role": "viewer", "service_account": "sneaky"},
        headers=people.auth("viewer"),
    )
    assert by_viewer.status_code == 403


def _pod(ns: str, name: str) -> Resource:
    return Resource(ref=ObjectRef(kind="Pod", namespace=ns, name=name), resource_version="1")


def _finding(ns: str, name: str) -> Finding:
    return Finding(
        fingerprint=f"fp-{ns}-{name}",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="workload",
        subject=ObjectRef(kind="Pod", namespace=ns, name=name),
        message="back-off restarting",
        first_seen_ms=1,
        last_seen_ms=2,
    )


async def test_a_namespace_viewer_sees_only_their_namespace(people: People) -> None:
    hub = people.master.master.hub
    edge = hub.ensure("edge")
    edge.apply_delta(ResourceDelta("Pod", upserts=(_pod("shop", "web-0"), _pod("pay", "api-0"))))
    for f in (_finding("shop", "web-0"), _finding("pay", "api-0")):
        edge.hold_master_finding(f.fingerprint, f)
    hub.ensure("hidden")
    http, nina = people.http, people.auth("scoped")
    clusters = (await http.get(f"{API}/clusters", headers=nina)).json()["items"]
    assert [c["name"] for c in clusters] == ["edge"]
    pods = (await http.get(f"{API}/clusters/edge/resources", headers=nina)).json()["items"]
    assert [(p["namespace"], p["name"]) for p in pods] == [("shop", "web-0")]
    found = (await http.get(f"{API}/clusters/edge/findings", headers=nina)).json()["items"]
    assert [f["subject"]["namespace"] for f in found] == ["shop"]
    own = await http.get(f"{API}/clusters/edge/resources/Pod/shop/web-0", headers=nina)
    assert own.status_code == 200
    other_ns = await http.get(f"{API}/clusters/edge/resources/Pod/pay/api-0", headers=nina)
    assert other_ns.status_code == 404
    other_cluster = await http.get(f"{API}/clusters/hidden", headers=nina)
    assert other_cluster.status_code == 404
    cluster_wide = await http.get(f"{API}/clusters/edge/summary", headers=nina)
    assert cluster_wide.status_code == 403
    # The admin sees both namespaces.
    every = (await http.get(f"{API}/clusters/edge/resources", headers=people.auth("admin"))).json()
    assert len(every["items"]) == 2


async def test_bindings_are_validated_and_apply_at_once(people: People) -> None:
    http, admin = people.http, people.auth("admin")
    bad = await http.post(
        f"{API}/rolebindings",
        json={"subject_kind": "user", "subject": "nina", "role": "viewer", "namespace": "x"},
        headers=admin,
    )
    assert bad.status_code == 422  # a namespace needs its cluster
    ghost = await http.post(
        f"{API}/rolebindings",
        json={"subject_kind": "user", "subject": "ghost", "role": "viewer"},
        headers=admin,
    )
    assert ghost.status_code == 422
    made = await http.post(
        f"{API}/rolebindings",
        json={"subject_kind": "user", "subject": "nina", "role": "operator", "cluster": "edge"},
        headers=admin,
    )
    assert made.status_code == 201
    dup = await http.post(
        f"{API}/rolebindings",
        json={"subject_kind": "user", "subject": "nina", "role": "operator", "cluster": "edge"},
        headers=admin,
    )
    assert dup.status_code == 409
    me = (await http.get(f"{API}/auth/me", headers=people.auth("scoped"))).json()
    assert {"role": "operator", "cluster": "edge", "namespace": ""} in me["grants"]
    gone = await http.delete(f"{API}/rolebindings/{made.json()['id']}", headers=admin)
    assert gone.status_code == 204
    me = (await http.get(f"{API}/auth/me", headers=people.auth("scoped"))).json()
    assert me["grants"] == [{"role": "viewer", "cluster": "edge", "namespace": "shop"}]


async def test_an_admin_registers_a_cluster_and_sees_its_agent_token_once(
    people: People,
) -> None:
    http, admin = people.http, people.auth("admin")
    made = await http.post(f"{API}/clusters", json={"name": "lab-2"}, headers=admin)
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    token_id, _ = agent_tokens.parse(token)
    store = people.master.master.store
    row = await store.clusters.get("lab-2")
    assert row is not None and row.token_id == token_id and token not in str(row)
    assert (
        await http.post(f"{API}/clusters", json={"name": "lab-2"}, headers=admin)
    ).status_code == 409
    assert (
        await http.post(f"{API}/clusters", json={"name": "Bad_Name"}, headers=admin)
    ).status_code == 422
    rotated = await http.post(f"{API}/clusters/lab-2/token", headers=admin)
    assert rotated.status_code == 201 and rotated.json()["token"] != token
    assert (await http.delete(f"{API}/clusters/lab-2/token", headers=admin)).status_code == 204
    row = await store.clusters.get("lab-2")
    assert row is not None and row.revoked_ms is not None
    listed = await http.get(f"{API}/clusters", headers=admin)
    assert "lab-2" in [c["name"] for c in listed.json()["items"]]


async def test_a_namespace_viewer_pages_through_their_commands_only(people: People) -> None:
    http, otto = people.http, people.auth("operator")

    async def command(namespace: str) -> str:
        body = {
            "type": "scale",
            "target": {"kind": "Deployment", "namespace": namespace, "name": "web"},
            "params": {"replicas": 1},
        }
        r = await http.post(f"{API}/clusters/edge/commands", json=body, headers=otto)
        assert r.status_code == 202, r.text
        return str(r.json()["id"])

    # Two of theirs, oldest first, buried under more commands elsewhere than a page holds.
    mine = [await command("shop")]
    for _ in range(3):
        await command("pay")
    mine.append(await command("shop"))
    for _ in range(3):
        await command("pay")
    nina = people.auth("scoped")
    seen: list[str] = []
    query: dict[str, int | str] = {"limit": 1}
    for _ in range(5):
        page = (await http.get(f"{API}/commands", params=query, headers=nina)).json()
        assert len(page["items"]) <= 1
        seen += [c["id"] for c in page["items"]]
        if page["next_before_ms"] is None:
            break
        query |= {"before_ms": page["next_before_ms"], "before_id": page["next_before_id"]}
    # A full page each time (not an empty one because "pay" filled the rows read), newest first.
    assert seen == mine[::-1]
    every = (await http.get(f"{API}/commands", params={"limit": 100}, headers=otto)).json()
    assert len(every["items"]) == 8 and every["next_before_ms"] is None
