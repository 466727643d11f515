"""Single sign-on against a real OpenID Connect provider (oidc-provider, tests/oidc): the whole
browser flow (authorization code + PKCE, the provider's login and consent forms) ends in a
login session whose groups map to roles through role bindings; people with no role, forged or
replayed callbacks and off-site ``next`` targets are refused; SSO users have no password."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.harness import RunningMaster, master_settings, running_master
from tests.integration.people.conftest import ADMIN_PASSWORD, JWT_SECRET, token_of
from tests.integration.people.oidc_flow import (
    CALLBACK_PATH,
    CLIENT_ID,
    CLIENT_SECRET,
    Browser,
    Provider,
    free_port,
    running_provider,
)

API = "/api/v1"


@dataclass
class Sso:
    master: RunningMaster
    provider: Provider
    base: str
    http: httpx.AsyncClient
    admin: dict[str, str]

    def browser(self) -> Browser:
        return Browser(self.http)

    def is_callback(self, url: str) -> bool:
        return url.startswith(self.base + CALLBACK_PATH)

    async def to_callback(self, browser: Browser, account: str, next_: str = "") -> str:
        """Start a login and sign in at the provider; the callback URL it sends back."""
        query = f"?{urlencode({'next': next_})}" if next_ else ""
        url, r = await browser.follow(
            f"{self.base}{API}/auth/oidc/login{query}", account=account, stop=self.is_callback
        )
        assert self.is_callback(url), (url, r.status_code, r.text[:500])
        return url

    async def audit(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        import orjson

        rows = await self.master.master.store.audit.list(limit=100)
        return [(r.actor, r.action, r.outcome, orjson.loads(r.detail_json)) for r in rows]


@pytest.fixture(scope="module")
def master_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def provider(master_port: int) -> Iterator[Provider]:
    with running_provider(f"http://127.0.0.1:{master_port}{CALLBACK_PATH}") as p:
        yield p


@pytest.fixture
async def sso(tmp_path: Path, master_port: int, provider: Provider) -> AsyncIterator[Sso]:
    base = f"http://127.0.0.1:{master_port}"
    settings = master_settings(
        tmp_path / "m",
        jwt_secret=JWT_SECRET,
        bootstrap_admin_password=ADMIN_PASSWORD,
        http_listen=f"127.0.0.1:{master_port}",
        oidc={
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_url": base + CALLBACK_PATH,
        },
    )
    async with running_master(settings) as m, httpx.AsyncClient(timeout=10) as http:
        async with httpx.AsyncClient(base_url=base) as api:
            as_admin = {"Authorization": f"Bearer {await token_of(api, 'admin', ADMIN_PASSWORD)}"}
        r = await http.post(
            f"{base}{API}/rolebindings",
            json={"subject_kind": "group", "subject": "sre", "role": "operator"},
            headers=as_admin,
        )
        assert r.status_code == 201, r.text
        yield Sso(m, provider, base, http, as_admin)


async def test_the_login_page_learns_that_sso_is_on(sso: Sso) -> None:
    r = await sso.http.get(f"{sso.base}{API}/auth/oidc")
    assert r.json() == {"enabled": True, "login_url": "/api/v1/auth/oidc/login"}


async def test_alice_signs_in_with_code_and_pkce_and_her_group_makes_her_an_operator(
    sso: Sso,
) -> None:
    browser = sso.browser()
    start = await browser.request("GET", f"{sso.base}{API}/auth/oidc/login?next=/clusters/edge")
    assert start.status_code == 302
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
    assert asked["nonce"] and asked["state"] and asked["response_type"] == ["code"]
    binding = next(c for c in start.headers.get_list("set-cookie") if c.startswith("lookout_oidc"))
    assert "HttpOnly" in binding and "SameSite=lax" in binding

    callback = await sso.to_callback(browser, "alice", next_="/clusters/edge")
    done = await browser.request("GET", callback)
    assert done.status_code == 302, done.text
    assert done.headers["location"] == "/clusters/edge"
    jar = browser.cookies[sso.base]
    assert {"lookout_refresh", "lookout_csrf"} <= set(jar) and "lookout_oidc" not in jar

    # What the dashboard does next: the cookie and the CSRF header for an access token.
    r = await browser.request(
        "POST", f"{sso.base}{API}/auth/refresh", headers={"X-CSRF-Token": jar["lookout_csrf"]}
    )
    assert r.status_code == 200, r.text
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = (await sso.http.get(f"{sso.base}{API}/auth/me", headers=bearer)).json()
    assert me["name"] == "alice" and me["kind"] == "user" and me["groups"] == ["sre"]
    assert me["grants"] == [{"role": "operator", "cluster": "", "namespace": ""}]
    assert me["role"] == "operator"
    user = await sso.master.master.store.users.get("alice")
    assert user is not None and user.password_hash == "!oidc" and user.role == ""
    seen = {(actor, action, outcome) for actor, action, outcome, _ in await sso.audit()}
    assert ("alice", "sso.login", "ok") in seen and ("alice", "user.create", "ok") in seen


async def test_people_with_no_role_here_are_refused_and_audited(sso: Sso) -> None:
    for account, groups in (("carol", []), ("bob", ["dev"])):  # no group; a group with no role
        browser = sso.browser()
        r = await browser.request("GET", await sso.to_callback(browser, account))
        assert r.status_code == 403, r.text
        assert "no role" in r.json()["message"]
        assert "lookout_refresh" not in browser.cookies.get(sso.base, {})
        assert await sso.master.master.store.users.get(account) is None
        refusals = [
            d
            for a, act, o, d in await sso.audit()
            if (a, act, o) == (account, "sso.login", "refused")
        ]
        assert refusals, [(a, act, o) for a, act, o, _ in await sso.audit()]
        assert refusals[0]["groups"] == groups and refusals[0]["reason"] == "no role"


async def test_a_tampered_state_a_replayed_callback_and_another_browsers_callback_are_refused(
    sso: Sso,
) -> None:
    browser = sso.browser()
    callback = await sso.to_callback(browser, "alice")
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    tampered = f"{sso.base}{CALLBACK_PATH}?" + urlencode(
        {"code": query["code"][0], "state": query["state"][0] + "x"}
    )
    assert (await browser.request("GET", tampered)).status_code == 401

    # The login's state was never taken by the tampered call: another browser (without the
    # binding cookie) finishing this login is refused, and that burns the state.
    stranger = sso.browser()
    r = await stranger.request("GET", callback)
    assert r.status_code == 401 and "another browser" in r.json()["message"]
    assert (await browser.request("GET", callback)).status_code == 401

    fresh = await sso.to_callback(browser, "alice")
    assert (await browser.request("GET", fresh)).status_code == 302
    replay = await browser.request("GET", fresh)
    assert replay.status_code == 401
    failures = [o for a, act, o, _ in await sso.audit() if act == "sso.login" and o == "failed"]
    assert len(failures) == 4  # tampered, stranger, the burnt state, the replay


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "evil"]
)
async def test_next_is_followed_only_to_a_path_on_this_origin(sso: Sso, target: str) -> None:
    browser = sso.browser()
    r = await browser.request("GET", await sso.to_callback(browser, "alice", next_=target))
    assert r.status_code == 302 and r.headers["location"] == "/"


async def test_an_sso_user_cannot_sign_in_by_password_nor_sso_into_a_local_account(
    sso: Sso,
) -> None:
    browser = sso.browser()
    assert (
        await browser.request("GET", await sso.to_callback(browser, "alice"))
    ).status_code == 302
    for password in ("!oidc", "", "any password will do"):
        r = await sso.http.post(
            f"{sso.base}{API}/auth/login", json={"username": "alice", "password": password or "x"}
        )
        assert r.status_code == 401
    # A provider account named like a local one (here: alice made local) is not let in.
    r = await sso.http.post(
        f"{sso.base}{API}/users",
        json={"username": "bob", "password": "bob-has-a-password-1", "role": "viewer"},
        headers=sso.admin,
    )
    assert r.status_code == 201, r.text
    browser = sso.browser()
    r = await browser.request("GET", await sso.to_callback(browser, "bob"))
    assert r.status_code == 403 and "local account" in r.json()["message"]


async def test_a_disabled_sso_user_is_refused(sso: Sso) -> None:
    browser = sso.browser()
    assert (
        await browser.request("GET", await sso.to_callback(browser, "alice"))
    ).status_code == 302
    r = await sso.http.patch(
        f"{sso.base}{API}/users/alice", json={"disabled": True}, headers=sso.admin
    )
    assert r.status_code == 200, r.text
    browser = sso.browser()
    r = await browser.request("GET", await sso.to_callback(browser, "alice"))
    assert r.status_code == 403 and "disabled" in r.json()["message"]
