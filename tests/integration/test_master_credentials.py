"""Credentials the master generates for itself (master.bootstrap): an agent that copied the CA
once keeps connecting over TLS after the master restarts on the same data directory, and the
`lookout-master credentials` CLI prints the first admin's password and the CA the serving master
uses, and the admin logs in with it across restarts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from master.__main__ import with_credentials
from master.settings import MasterSettings
from tests.harness import (
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)

BIN = Path(sys.executable).parent


async def test_an_agent_keeps_trusting_a_master_restarted_on_the_same_data_dir(
    tmp_path: Path,
) -> None:
    def settings() -> MasterSettings:
        return with_credentials(
            master_settings(
                tmp_path / "m",
                grpc_plaintext=False,
                api_token="",
                generate_secrets=True,
                tls_self_signed=True,
                tls_self_signed_hosts=["lookout-master-grpc", "127.0.0.1"],
            )
        )

    first = settings()
    token = await add_cluster(first, "edge")
    # What an operator does once: copy the CA to the agent's cluster.
    agent_ca = tmp_path / "agent-ca.crt"
    agent_ca.write_bytes((tmp_path / "m" / "credentials" / "ca.crt").read_bytes())
    secrets = []
    for _ in range(2):  # the first start, then a restart on the same data dir
        current = settings()
        assert current.api_token.get_secret_value() == ""  # no break-glass token by default
        password = current.bootstrap_admin_password.get_secret_value()
        secrets.append((password, current.jwt_secret.get_secret_value()))
        async with running_master(current) as m:
            base = f"http://127.0.0.1:{m.master.http_port}"
            async with httpx.AsyncClient(base_url=base) as http:
                login = await http.post(
                    "/api/v1/auth/login", json={"username": "admin", "password": password}
                )
                assert login.status_code == 200, login.text
                assert login.json()["user"]["must_change_password"] is True
                access = login.json()["access_token"]
                listed = await http.get(
                    "/api/v1/clusters", headers={"Authorization": f"Bearer {access}"}
                )
            assert listed.status_code == 200, listed.text
            agent = agent_settings(
                "edge",
                token,
                m.address,
                plaintext=False,
                tls_ca_file=agent_ca,
                tls_server_name="lookout-master-grpc",
            )
            async with running_agent(agent) as a:
                await eventually(lambda: a.core.uplink.connected.is_set(), what="TLS connect")
    assert secrets[0] == secrets[1]


def test_the_cli_prints_the_password_and_ca_the_serving_master_uses(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    env.update(
        MASTER_DATA_DIR=str(tmp_path / "data"),
        MASTER_GENERATE_SECRETS="true",
        MASTER_TLS_SELF_SIGNED="true",
        MASTER_TLS_SELF_SIGNED_HOSTS='["lookout-master-grpc"]',
    )

    def cli(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "lookout-master"), "credentials", *args],
            env=env | (extra or {}),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    printed = cli("admin-password")
    assert printed.returncode == 0, printed.stderr
    password = printed.stdout.strip()
    assert len(password) >= 16 and cli("admin-password").stdout.strip() == password
    ca = cli("ca")
    assert ca.returncode == 0, ca.stderr
    assert ca.stdout.startswith("-----BEGIN CERTIFICATE-----")
    assert ca.stdout == (tmp_path / "data" / "credentials" / "ca.crt").read_text()
    # What the serving master would use: the same token.
    served = with_credentials(
        master_settings(
            tmp_path / "data",
            api_token="",
            generate_secrets=True,
            grpc_plaintext=False,
            tls_self_signed=True,
            tls_self_signed_hosts=["lookout-master-grpc"],
        )
    )
    assert served.bootstrap_admin_password.get_secret_value() == password
    # No API token is ever generated: the CLI says how to get one instead.
    token = cli("api-token")
    assert token.returncode == 1 and token.stdout == ""
    assert "MASTER_API_TOKEN" in token.stderr and "/api/v1/tokens" in token.stderr
    # A master given its password (the chart's auth.existingSecret) has nothing to print.
    given = cli(
        "admin-password",
        extra={
            "MASTER_GENERATE_SECRETS": "false",
            "MASTER_BOOTSTRAP_ADMIN_PASSWORD": "a-given-long-password",
            "MASTER_JWT_SECRET": "j" * 40,
        },
    )
    assert given.returncode == 1
    assert "MASTER_BOOTSTRAP_ADMIN_PASSWORD" in given.stderr
