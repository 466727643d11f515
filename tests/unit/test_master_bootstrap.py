"""The master's own credentials (master.bootstrap, applied by master.__main__): generated once
into the data directory, identical after a restart on the same directory, a server certificate
that verifies against the CA for exactly the wanted names. The real processes (CLI and a
restarted master) are in tests/integration/test_master_credentials.py."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509

from master import bootstrap
from master.__main__ import with_credentials
from master.settings import MasterSettings

HOSTS = ["lookout-master-grpc", "lookout-master-grpc.lookout.svc", "10.0.0.7"]


def _settings(data_dir: Path, **extra: object) -> MasterSettings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "generate_secrets": True,
        "tls_self_signed": True,
        "tls_self_signed_hosts": HOSTS,
    }
    return MasterSettings(**(values | extra))  # type: ignore[arg-type]


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_a_restart_on_the_same_data_dir_keeps_the_secrets_and_the_ca(tmp_path: Path) -> None:
    first = with_credentials(_settings(tmp_path))
    ca = (tmp_path / "credentials" / "ca.crt").read_bytes()
    server = (tmp_path / "credentials" / "tls.crt").read_bytes()
    again = with_credentials(_settings(tmp_path))
    assert again.jwt_secret.get_secret_value() == first.jwt_secret.get_secret_value()
    assert len(first.jwt_secret.get_secret_value()) >= 32
    assert again.bootstrap_admin_password == first.bootstrap_admin_password
    assert (tmp_path / "credentials" / "ca.crt").read_bytes() == ca
    assert (tmp_path / "credentials" / "tls.crt").read_bytes() == server
    assert again.tls_cert_file == first.tls_cert_file == tmp_path / "credentials" / "tls.crt"
    assert again.tls_key_file == tmp_path / "credentials" / "tls.key"
    # Another data dir is another master: other secrets, another CA.
    other = with_credentials(_settings(tmp_path / "other"))
    assert other.jwt_secret.get_secret_value() != first.jwt_secret.get_secret_value()
    assert (tmp_path / "other" / "credentials" / "ca.crt").read_bytes() != ca


def test_the_server_certificate_verifies_against_the_ca_for_the_wanted_names(
    tmp_path: Path,
) -> None:
    out = bootstrap.ensure_certificate(tmp_path, hosts=HOSTS, validity_days=3650)
    ca, cert = _cert(out.ca_file), _cert(out.cert_file)
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == HOSTS[:2]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.7")]
    lifetime = cert.not_valid_after_utc - dt.datetime.now(dt.UTC)
    assert lifetime > dt.timedelta(days=3600)


def test_new_names_reissue_the_server_certificate_from_the_same_ca(tmp_path: Path) -> None:
    first = bootstrap.ensure_certificate(tmp_path, hosts=HOSTS, validity_days=3650)
    ca, old = first.ca_file.read_bytes(), first.cert_file.read_bytes()
    second = bootstrap.ensure_certificate(
        tmp_path, hosts=[*HOSTS, "lookout.example.com"], validity_days=3650
    )
    assert second.ca_file.read_bytes() == ca
    assert second.cert_file.read_bytes() != old
    _cert(second.cert_file).verify_directly_issued_by(_cert(second.ca_file))


def test_a_certificate_near_expiry_is_reissued_and_the_ca_kept(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    first = bootstrap.ensure_certificate(tmp_path, hosts=HOSTS, validity_days=3650)
    ca, old = first.ca_file.read_bytes(), first.cert_file.read_bytes()
    later = now + dt.timedelta(days=3650) - bootstrap.RENEW_BEFORE + dt.timedelta(days=1)
    bootstrap.ensure_certificate(tmp_path, hosts=HOSTS, validity_days=3650, now=later)
    assert first.ca_file.read_bytes() == ca
    assert first.cert_file.read_bytes() != old


def test_credentials_are_private_files_in_a_private_directory(tmp_path: Path) -> None:
    with_credentials(_settings(tmp_path))
    directory = tmp_path / "credentials"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in ("jwt-secret", "bootstrap-admin-password", "ca.key", "tls.key"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600, name
    values = {(directory / n).read_text().strip() for n in bootstrap.SECRETS}
    assert len(values) == len(bootstrap.SECRETS)  # independent secrets


def test_half_a_ca_is_refused_instead_of_silently_replaced(tmp_path: Path) -> None:
    bootstrap.ensure_certificate(tmp_path, hosts=HOSTS, validity_days=3650)
    (tmp_path / "ca.key").unlink()
    with pytest.raises(bootstrap.CredentialsError, match="half of the CA"):
        bootstrap.ensure_certificate(tmp_path, hosts=HOSTS, validity_days=3650)


def test_the_break_glass_api_token_is_never_generated_only_taken_as_given(
    tmp_path: Path,
) -> None:
    unset = with_credentials(
        _settings(tmp_path / "a", api_token="", tls_self_signed=False, grpc_plaintext=True)
    )
    assert unset.api_token.get_secret_value() == ""  # off
    assert not (tmp_path / "a" / "credentials" / "api-token").exists()
    given = "given-token-0123456789abcdef"
    settings = with_credentials(
        _settings(tmp_path / "b", api_token=given, tls_self_signed=False, grpc_plaintext=True)
    )
    assert settings.api_token.get_secret_value() == given


def test_settings_refuse_a_self_signed_certificate_next_to_given_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="contradicts"):
        _settings(tmp_path, tls_cert_file=tmp_path / "c", tls_key_file=tmp_path / "k")
    with pytest.raises(ValueError, match="set MASTER_JWT_SECRET"):  # nobody could get in
        _settings(tmp_path, generate_secrets=False)
    with pytest.raises(ValueError, match="at least 16 characters"):
        _settings(tmp_path, api_token="changeme")
