"""TLS and mutual TLS on the agent link."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from tests.harness import (
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)


def _write(ca: trustme.CA, tmp: Path) -> dict[str, Path]:
    server = ca.issue_cert("localhost", "127.0.0.1")
    client = ca.issue_cert("agent.edge")
    paths = {
        "ca": tmp / "ca.pem",
        "cert": tmp / "server.pem",
        "key": tmp / "server.key",
        "client_cert": tmp / "client.pem",
        "client_key": tmp / "client.key",
    }
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    server.private_key_pem.write_to_path(str(paths["key"]))
    client.cert_chain_pems[0].write_to_path(str(paths["client_cert"]))
    client.private_key_pem.write_to_path(str(paths["client_key"]))
    return paths


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    return _write(trustme.CA(), tmp_path)


async def test_agent_connects_over_tls_and_rejects_an_untrusted_master(
    tmp_path: Path, pki: dict[str, Path]
) -> None:
    settings = master_settings(
        tmp_path / "m", grpc_plaintext=False, tls_cert_file=pki["cert"], tls_key_file=pki["key"]
    )
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        good = agent_settings(
            "edge",
            token,
            m.address,
            plaintext=False,
            tls_ca_file=pki["ca"],
            tls_server_name="localhost",
        )
        async with running_agent(good) as a:
            await eventually(lambda: a.core.uplink.connected.is_set(), what="TLS connect")

        (tmp_path / "other").mkdir()
        other_ca = _write(trustme.CA(), tmp_path / "other")
        bad = agent_settings(
            "edge",
            token,
            m.address,
            plaintext=False,
            tls_ca_file=other_ca["ca"],
            tls_server_name="localhost",
        )
        async with running_agent(bad) as b:
            await eventually(lambda: b.core.uplink.last_error != "", what="handshake failure")
            assert not b.core.uplink.connected.is_set()
            assert b.core.uplink.last_error.startswith("UNAVAILABLE")


async def test_mtls_refuses_no_client_certificate_and_one_from_another_ca(
    tmp_path: Path, pki: dict[str, Path]
) -> None:
    settings = master_settings(
        tmp_path / "m",
        grpc_plaintext=False,
        tls_cert_file=pki["cert"],
        tls_key_file=pki["key"],
        tls_client_ca_file=pki["ca"],
    )
    token = await add_cluster(settings, "edge")
    (tmp_path / "rogue").mkdir()
    rogue = _write(trustme.CA(), tmp_path / "rogue")  # a valid cert, signed by a CA not trusted

    def stream_open() -> bool:
        state = m.master.hub.cluster("edge")
        return state is not None and state.stream_open

    async with running_master(settings) as m:
        base = {"plaintext": False, "tls_ca_file": pki["ca"], "tls_server_name": "localhost"}
        refused = {
            "no client certificate": {},
            "a client certificate from another CA": {
                "tls_cert_file": rogue["client_cert"],
                "tls_key_file": rogue["client_key"],
            },
        }
        for case, extra in refused.items():
            async with running_agent(
                agent_settings("edge", token, m.address, **base, **extra)
            ) as a:
                await eventually(lambda: a.core.uplink.last_error != "", what=f"refusal: {case}")
                # Refused in the TLS handshake (the link is unavailable), not after it: the
                # token never reached the master, which never opened a stream for it.
                assert a.core.uplink.last_error.startswith("UNAVAILABLE"), (
                    case,
                    a.core.uplink.last_error,
                )
                assert not a.core.uplink.connected.is_set(), case
                assert not stream_open(), case
        with_cert = agent_settings(
            "edge",
            token,
            m.address,
            tls_cert_file=pki["client_cert"],
            tls_key_file=pki["client_key"],
            **base,
        )
        async with running_agent(with_cert) as b:
            await eventually(lambda: b.core.uplink.connected.is_set(), what="mTLS connect")
            assert stream_open()
