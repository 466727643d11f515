"""gRPC server credentials from the master's TLS settings."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc

from shared.errors import ConfigError

log = logging.getLogger(__name__)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {what} {path}: {e.strerror}") from e


def server_credentials(
    *, cert_file: Path | None, key_file: Path | None, client_ca_file: Path | None
) -> grpc.ServerCredentials | None:
    """TLS (or mTLS when a client CA is given) credentials; None means plaintext."""
    if cert_file is None or key_file is None:
        log.warning(
            "gRPC port is PLAINTEXT: agent tokens cross the network unencrypted (labs only)"
        )
        return None
    pair = (_read(key_file, "TLS key"), _read(cert_file, "TLS certificate"))
    client_ca = _read(client_ca_file, "client CA") if client_ca_file else None
    return grpc.ssl_server_credentials(
        [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
    )
