"""Credentials the master makes for itself on first start and keeps in its data directory.

Nothing random is rendered by the Helm chart any more: ``helm template`` and GitOps tools
(which render without ``lookup``) produce the same manifests every time, and a master restarted
on the same data directory keeps its JWT secret and its CA, so sessions survive a restart and
agents keep trusting it.

Owns the directory ``<data_dir>/credentials`` (mode 0700, files 0600; ``ca.crt`` 0644 because
agents need it): the secrets (``jwt-secret``, ``bootstrap-admin-password``), each generated
once (no API token: the break-glass ``MASTER_API_TOKEN`` is off unless an operator sets one);
the self-signed CA (``ca.crt``/``ca.key``), generated once and never replaced
while ``ca.key`` exists (delete both to rotate it, then give agents the new ``ca.crt``); and the
gRPC server certificate (``tls.crt``/``tls.key``), re-issued from that CA when the wanted names
change, when it expires within ``RENEW_BEFORE`` or when it no longer verifies against the CA.
A lock file serialises processes sharing the directory (the serving master and a
``lookout-master credentials`` run in the same pod), and every file is written aside and renamed
into place, so a crash never leaves half a key.

Does not own settings (``master.__main__`` applies these values to ``MasterSettings``), serving
TLS (``master.ingress.credentials``) or printing (``master.__main__``).

Errors: ``CredentialsError`` (a ``MasterError``) -- the directory cannot be created or locked, or
a credentials file is unreadable or does not hold what its name says.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from master.errors import MasterError

log = logging.getLogger(__name__)

DIRECTORY = "credentials"
# Bytes of randomness per secret (URL-safe base64 text, 4 characters per 3 bytes).
SECRETS = {"jwt-secret": 48, "bootstrap-admin-password": 18}
# The server certificate is re-issued this long before it expires, so a master that runs for
# years never serves an expired one (it re-issues at its next start inside the window).
RENEW_BEFORE = dt.timedelta(days=30)
# Accepts a clock a little behind ours on the verifying side.
_BACKDATE = dt.timedelta(hours=1)


class CredentialsError(MasterError):
    """The credentials directory or one of its files cannot be used."""


@dataclass(frozen=True, slots=True)
class Secrets:
    jwt_secret: str
    bootstrap_admin_password: str


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    ca_file: Path  # what agents need (AGENT_TLS_CA_FILE / the agent chart's master.tls)
    cert_file: Path
    key_file: Path


def credentials_dir(data_dir: Path) -> Path:
    return data_dir / DIRECTORY


def ensure_secrets(directory: Path) -> Secrets:
    """The stored secrets, generating any that are missing (once: later calls read them)."""
    with _locked(directory):
        values = {name: _secret(directory / name, size) for name, size in SECRETS.items()}
    return Secrets(
        jwt_secret=values["jwt-secret"],
        bootstrap_admin_password=values["bootstrap-admin-password"],
    )


def ensure_certificate(
    directory: Path, *, hosts: Sequence[str], validity_days: int, now: dt.datetime | None = None
) -> ServerCertificate:
    """The CA and a server certificate for ``hosts`` (DNS names and IP addresses) it signed."""
    if not hosts:
        raise CredentialsError("a self-signed certificate needs at least one host name")
    moment = now or dt.datetime.now(dt.UTC)
    out = ServerCertificate(
        ca_file=directory / "ca.crt",
        cert_file=directory / "tls.crt",
        key_file=directory / "tls.key",
    )
    with _locked(directory):
        ca_cert, ca_key = _ca(directory, validity_days=validity_days, now=moment)
        if not _server_current(out, ca_cert, hosts=hosts, now=moment):
            cert, key = _issue_server(
                ca_cert, ca_key, hosts=hosts, validity_days=validity_days, now=moment
            )
            _write(out.key_file, _key_pem(key), mode=0o600)
            _write(out.cert_file, cert.public_bytes(serialization.Encoding.PEM), mode=0o600)
            log.info("issued the gRPC server certificate for %s in %s", ", ".join(hosts), directory)
    return out


# --- files --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise CredentialsError(f"cannot use {directory}: {e.strerror or e}") from e
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # also releases the lock


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise CredentialsError(f"cannot read {path}: {e.strerror or e}") from e


def _write(path: Path, data: bytes, *, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # O_CREAT's mode is masked by the umask
        tmp.replace(path)
    except OSError as e:
        raise CredentialsError(f"cannot write {path}: {e.strerror or e}") from e


def _secret(path: Path, size: int) -> str:
    stored = _read(path)
    if stored is not None:
        value = stored.decode("utf-8", errors="replace").strip()
        if len(value) < 16:
            raise CredentialsError(f"{path} holds fewer than 16 characters: delete it or fix it")
        return value
    value = secrets.token_urlsafe(size)
    _write(path, value.encode() + b"\n", mode=0o600)
    log.info("generated %s in %s", path.name, path.parent)
    return value


# --- certificates -------------------------------------------------------------------------------


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(path: Path, data: bytes) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as e:
        raise CredentialsError(f"{path} is not a PEM private key: {e}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CredentialsError(f"{path} is not an EC private key")
    return key


def _load_cert(path: Path, data: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as e:
        raise CredentialsError(f"{path} is not a PEM certificate: {e}") from e


def _ca(
    directory: Path, *, validity_days: int, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = directory / "ca.crt", directory / "ca.key"
    key_pem, cert_pem = _read(key_path), _read(cert_path)
    if key_pem is not None and cert_pem is not None:
        return _load_cert(cert_path, cert_pem), _load_key(key_path, key_pem)
    if key_pem is not None or cert_pem is not None:
        raise CredentialsError(
            f"{directory} holds only half of the CA (ca.crt/ca.key): restore the other file, or "
            "delete both to make a new CA (agents then need the new ca.crt)"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lookout master CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), mode=0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    log.info("generated the gRPC CA in %s (agents need ca.crt)", directory)
    return cert, key


def _san(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _server_current(
    out: ServerCertificate, ca_cert: x509.Certificate, *, hosts: Sequence[str], now: dt.datetime
) -> bool:
    cert_pem, key_pem = _read(out.cert_file), _read(out.key_file)
    if cert_pem is None or key_pem is None:
        return False
    cert = _load_cert(out.cert_file, cert_pem)
    key = _load_key(out.key_file, key_pem)
    try:
        cert.verify_directly_issued_by(ca_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return (
        set(san) == set(_san(hosts))
        and cert.not_valid_after_utc - now > RENEW_BEFORE
        and cert.public_key() == key.public_key()
    )


def _issue_server(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    hosts: Sequence[str],
    validity_days: int,
    now: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = min(now + dt.timedelta(days=validity_days), ca_cert.not_valid_after_utc)
    if not_after - now <= RENEW_BEFORE:
        log.warning(
            "the gRPC CA expires on %s: delete ca.crt and ca.key to make a new one, and give "
            "agents the new ca.crt",
            ca_cert.not_valid_after_utc.date(),
        )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(_san(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key
