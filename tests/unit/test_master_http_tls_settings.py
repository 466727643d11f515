"""The HTTP gateway's TLS settings come as a pair: a certificate without its key (or the
reverse) is refused at start-up, naming both variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.harness import master_settings


def test_http_tls_is_off_by_default(tmp_path: Path) -> None:
    settings = master_settings(tmp_path)
    assert settings.http_tls_cert_file is None
    assert settings.http_tls_key_file is None


def test_http_tls_takes_a_certificate_and_its_key(tmp_path: Path) -> None:
    settings = master_settings(
        tmp_path, http_tls_cert_file=tmp_path / "c.pem", http_tls_key_file=tmp_path / "k.pem"
    )
    assert settings.http_tls_cert_file == tmp_path / "c.pem"
    assert settings.http_tls_key_file == tmp_path / "k.pem"


@pytest.mark.parametrize("only", ["http_tls_cert_file", "http_tls_key_file"])
def test_http_tls_half_a_pair_is_refused(tmp_path: Path, only: str) -> None:
    with pytest.raises(ValidationError, match="MASTER_HTTP_TLS_CERT_FILE and MASTER_HTTP_TLS_KEY"):
        master_settings(tmp_path, **{only: tmp_path / "x.pem"})


def test_http_tls_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MASTER_HTTP_TLS_CERT_FILE", str(tmp_path / "c.pem"))
    monkeypatch.setenv("MASTER_HTTP_TLS_KEY_FILE", str(tmp_path / "k.pem"))
    settings = master_settings(tmp_path)
    assert settings.http_tls_cert_file == tmp_path / "c.pem"
