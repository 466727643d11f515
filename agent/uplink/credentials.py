"""gRPC channel credentials and options for dialing the master."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc

from shared.errors import ConfigError

log = logging.getLogger(__name__)


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {what} {path}: {e.strerror}") from e


def channel_credentials(
    *, ca_file: Path | None, cert_file: Path | None, key_file: Path | None
) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file, "TLS CA"),
        private_key=_read(key_file, "TLS client key"),
        certificate_chain=_read(cert_file, "TLS client certificate"),
    )


def channel_options(
    *, max_message_bytes: int, keepalive_s: float, server_name: str = ""
) -> list[tuple[str, int | str]]:
    ka_ms = int(keepalive_s * 1000)
    opts: list[tuple[str, int | str]] = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", ka_ms),
        ("grpc.keepalive_timeout_ms", ka_ms // 2),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        # Reconnect pacing is ours (jittered backoff); keep grpc's own retry short.
        ("grpc.initial_reconnect_backoff_ms", 200),
        ("grpc.max_reconnect_backoff_ms", 2000),
    ]
    if server_name:
        opts.append(("grpc.ssl_target_name_override", server_name))
    return opts
