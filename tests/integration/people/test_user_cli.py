"""``lookout-master user …`` on the master host: passwords from stdin (never argv), the same
password rules and last-admin guard as the API, and a created user can log in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.harness import master_settings, running_master
from tests.integration.people.conftest import JWT_SECRET


def cli(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTER_")}
    env |= {"MASTER_DATA_DIR": str(data), "MASTER_JWT_SECRET": JWT_SECRET}
    env |= {"MASTER_GRPC_PLAINTEXT": "true"}  # settings a serving master would need
    return subprocess.run(
        [sys.executable, "-m", "master", "user", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_users_made_on_the_host_follow_the_rules_and_can_log_in(tmp_path: Path) -> None:
    data = tmp_path / "m"
    weak = cli(data, "add", "ada", "--role", "admin", stdin="aaaaaaaaaaaaaaaa\n")
    assert weak.returncode == 1 and "commonly used" in weak.stderr
    made = cli(data, "add", "ada", "--role", "admin", stdin="ada-runs-the-show-42\n")
    assert made.returncode == 0, made.stderr
    assert cli(data, "add", "ada", stdin="another-long-one-43\n").returncode == 1
    listed = cli(data, "list")
    assert listed.stdout.splitlines() == ["ada\tadmin\tactive"]
    guard = cli(data, "set-role", "ada", "viewer")
    assert guard.returncode == 1 and "last active admin" in guard.stderr
    assert cli(data, "disable", "ada").returncode == 1
    assert cli(data, "reset-password", "ada", stdin="ada-new-secret-4242\n").returncode == 0
    assert cli(data, "disable", "nobody").returncode == 1

    settings = master_settings(data, jwt_secret=JWT_SECRET)
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"
        async with httpx.AsyncClient(base_url=base) as http:
            old = await http.post(
                "/api/v1/auth/login", json={"username": "ada", "password": "ada-runs-the-show-42"}
            )
            new = await http.post(
                "/api/v1/auth/login", json={"username": "ada", "password": "ada-new-secret-4242"}
            )
        rows = await m.master.store.audit.list(actor="cli")
    assert old.status_code == 401 and new.status_code == 200
    assert {r.action for r in rows} == {"user.create", "user.change"}
