"""Settings shared by every process (logging, shutdown grace). Each process subclasses this with
its own env prefix (``MASTER_``, ``AGENT_``, ``METRICS_``); nothing else reads the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.logs import LogFormat


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", validate_default=True)

    log_level: str = Field("INFO", description="Root log level (DEBUG, INFO, WARNING, ERROR).")
    log_format: LogFormat = Field(
        "text", description="'text' for humans, 'json' for log shippers (one object per line)."
    )
    shutdown_grace_s: float = Field(
        10.0,
        gt=0,
        description="Seconds between SIGTERM and forced cancellation; below Kubernetes' default "
        "30 s terminationGracePeriod so the pod is never SIGKILLed mid-flush.",
    )


def listen_or_empty(value: str, *, field: str) -> str:
    """A ``host:port`` listen address, or "" for "not served" (the /metrics ports)."""
    _host, sep, port = value.rpartition(":")
    if value and not (sep and port.isdigit() and int(port) < 65536):
        raise ValueError(f"{field} must be host:port or empty, not {value!r}")
    return value
