"""A running master with logins on: the bootstrap admin, and a viewer and an operator the admin
created through the users API; each logged in through /auth/login like the dashboard does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from master.settings import MasterSettings
from tests.harness import RunningMaster, add_cluster, master_settings, running_master

JWT_SECRET = "test-jwt-secret-" + "0123456789abcdef" * 3
ADMIN_PASSWORD = "correct horse battery staple"
PASSWORDS = {
    "vera": "vera-looks-only-1",
    "otto": "otto-scales-things-2",
    "nina": "nina-sees-one-namespace-3",  # no global role: a viewer of edge/shop only
}


@dataclass
class People:
    master: RunningMaster
    http: httpx.AsyncClient
    tokens: dict[str, str]  # role -> access token

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}


async def login(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await http.post("/api/v1/auth/login", json={"username": username, "password": password})


async def token_of(http: httpx.AsyncClient, username: str, password: str) -> str:
    r = await login(http, username, password)
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


@contextlib.asynccontextmanager
async def people_on(settings: MasterSettings) -> AsyncIterator[People]:
    """The people below on a master built from ``settings`` (which must turn logins on)."""
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"
        async with httpx.AsyncClient(base_url=base) as http:
            admin = await token_of(http, "admin", ADMIN_PASSWORD)
            as_admin = {"Authorization": f"Bearer {admin}"}
            for name, role in (("vera", "viewer"), ("otto", "operator"), ("nina", "")):
                r = await http.post(
                    "/api/v1/users",
                    json={"username": name, "password": PASSWORDS[name], "role": role},
                    headers=as_admin,
                )
                assert r.status_code == 201, r.text
            r = await http.post(
                "/api/v1/rolebindings",
                json={
                    "subject_kind": "user",
                    "subject": "nina",
                    "role": "viewer",
                    "cluster": "edge",
                    "namespace": "shop",
                },
                headers=as_admin,
            )
            assert r.status_code == 201, r.text
            tokens = {
                "admin": admin,
                "viewer": await token_of(http, "vera", PASSWORDS["vera"]),
                "operator": await token_of(http, "otto", PASSWORDS["otto"]),
                "scoped": await token_of(http, "nina", PASSWORDS["nina"]),
            }
            yield People(m, http, tokens)


def people_settings(data_dir: Path, **overrides: Any) -> MasterSettings:
    # No agent runs here: a remediation's preview gives up on its dry run after a second.
    overrides.setdefault("remediation", {"preview_timeout_s": 1.0})
    return master_settings(
        data_dir, jwt_secret=JWT_SECRET, bootstrap_admin_password=ADMIN_PASSWORD, **overrides
    )


@pytest.fixture
async def people(tmp_path: Path) -> AsyncIterator[People]:
    async with people_on(people_settings(tmp_path / "m")) as p:
        yield p
