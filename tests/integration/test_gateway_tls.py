"""The HTTP gateway over TLS (MASTER_HTTP_TLS_CERT_FILE/KEY_FILE): callers that trust the CA
get health and data, callers that do not are refused at the handshake, and plain HTTP on the
TLS port gets no answer."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
import trustme

from tests.harness import API_TOKEN, add_cluster, master_settings, running_master


def _certificate(directory: Path) -> tuple[trustme.CA, Path, Path]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = directory / "http.crt", directory / "http.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(str(cert_file), append=True)
    cert.private_key_pem.write_to_path(str(key_file))
    return ca, cert_file, key_file


async def test_gateway_serves_https_with_the_configured_certificate(tmp_path: Path) -> None:
    ca, cert_file, key_file = _certificate(tmp_path)
    settings = master_settings(
        tmp_path / "m", http_tls_cert_file=cert_file, http_tls_key_file=key_file
    )
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        port = m.master.http_port
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        async with httpx.AsyncClient(base_url=f"https://127.0.0.1:{port}", verify=trusting) as h:
            assert (await h.get("/healthz")).json() == {"status": "ok"}
            r = await h.get("/api/v1/clusters", headers={"Authorization": f"Bearer {API_TOKEN}"})
            assert r.status_code == 200
            assert [c["name"] for c in r.json()["items"]] == ["edge"]

        # The system roots do not know this CA: the handshake fails, nothing is answered.
        async with httpx.AsyncClient(base_url=f"https://127.0.0.1:{port}") as h:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await h.get("/healthz")

        # Plain HTTP on the TLS port: no HTTP answer (uvicorn drops the non-TLS bytes).
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as h:
            with pytest.raises(httpx.TransportError):
                await h.get("/healthz")


async def test_gateway_tls_refuses_protocols_older_than_tls_1_2(tmp_path: Path) -> None:
    _ca, cert_file, key_file = _certificate(tmp_path)
    settings = master_settings(
        tmp_path / "m", http_tls_cert_file=cert_file, http_tls_key_file=key_file
    )
    async with running_master(settings) as m:
        server = m.master.http.config.ssl
        assert server is not None
        assert server.minimum_version >= ssl.TLSVersion.TLSv1_2


async def test_gateway_without_tls_settings_serves_plain_http(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    async with running_master(settings) as m:
        assert m.master.http.config.ssl is None
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{m.master.http_port}") as h:
            assert (await h.get("/healthz")).status_code == 200


async def test_an_unreadable_http_certificate_fails_start_up_with_its_path(
    tmp_path: Path,
) -> None:
    from shared.errors import ConfigError

    settings = master_settings(
        tmp_path / "m",
        http_tls_cert_file=tmp_path / "missing.crt",
        http_tls_key_file=tmp_path / "missing.key",
    )
    with pytest.raises(ConfigError, match=r"missing\.crt"):
        async with running_master(settings):
            pass
