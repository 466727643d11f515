"""Credentials the master generates for itself (master.bootstrap): an agent that copied the CA
once keeps connecting over TLS after the master restarts on the same data directory, and the
`lookout-master credentials` CLI prints the token and CA the serving master uses."""

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
    api_tokens = []
    for _ in range(2):  # the first start, then a restart on the same data dir
        current = settings()
        api_tokens.append(current.api_token.get_secret_value())
        async with running_master(current) as m:
            async with httpx.AsyncClient() as http:
                listed = await http.get(
                    f"http://127.0.0.1:{m.master.http_port}/api/v1/clusters",
                    headers={"Authorization": f"Bearer {api_tokens[0]}"},
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
    assert api_tokens[0] == api_tokens[1]


def test_the_cli_prints_the_token_and_ca_the_serving_master_uses(tmp_path: Path) -> None:
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

    printed = cli("api-token")
    assert printed.returncode == 0, printed.stderr
    token = printed.stdout.strip()
    assert cli("api-token").stdout.strip() == token
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
    assert served.api_token.get_secret_value() == token
    # A master given its token (the chart's auth.existingSecret) has nothing generated to print.
    given = cli(
        "api-token",
        extra={"MASTER_GENERATE_SECRETS": "false", "MASTER_API_TOKEN": "t" * 32},
    )
    assert given.returncode == 1
    assert "MASTER_API_TOKEN" in given.stderr
