"""Master settings (env prefix ``MASTER_``; nested groups use ``__``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from master.datahub.settings import LimitsSettings
from master.store.settings import StoreSettings
from shared.settings import CommonSettings

_PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "password", "admin", "token"})


class MasterSettings(CommonSettings):
    model_config = SettingsConfigDict(
        env_prefix="MASTER_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(
        Path("./.data/master"),
        description="Directory for the SQLite history file and generated state. Must be writable.",
    )
    store_dsn: str = Field(
        "",
        description="SQLAlchemy DSN of the history store. Empty: SQLite at <data_dir>/lookout.db. "
        "MySQL/MariaDB: mysql+asyncmy://user:pass@host:3306/lookout.",
    )
    grpc_listen: str = Field(
        "0.0.0.0:7443", description="host:port the agents dial (gRPC, TLS unless plaintext)."
    )
    http_listen: str = Field("0.0.0.0:8080", description="host:port of the HTTP gateway.")
    tls_cert_file: Path | None = Field(None, description="PEM certificate for the gRPC port.")
    tls_key_file: Path | None = Field(None, description="PEM private key for the gRPC port.")
    tls_client_ca_file: Path | None = Field(
        None,
        description="PEM CA bundle; when set, agents must present a client certificate it "
        "signed (mTLS) in addition to their token.",
    )
    grpc_plaintext: bool = Field(
        False,
        description="Serve gRPC without TLS. Only for labs: tokens then cross the network in the "
        "clear, so the master logs a warning at start-up.",
    )
    api_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token every HTTP API caller must present. Required; placeholder "
        "values and tokens shorter than 16 characters are refused.",
    )
    heartbeat_interval_s: float = Field(
        5.0, gt=0, description="How often agents send heartbeats and the master pings (seconds)."
    )
    reconnecting_after_s: float = Field(
        15.0,
        gt=0,
        description="A cluster whose stream is down but whose agent was heard within "
        "offline_after_s is 'reconnecting'; this is how long a silent open stream may last "
        "before it counts as down (3 heartbeats).",
    )
    offline_after_s: float = Field(
        60.0,
        gt=0,
        description="No heartbeat for this long -> 'offline' (12 heartbeats: rides out a short "
        "network partition or a master/agent restart without paging anyone).",
    )
    max_message_mb: int = Field(
        16, ge=4, le=256, description="Largest gRPC message accepted (MiB)."
    )
    journal_batch_max: int = Field(
        512, ge=1, description="Most journal records an agent may put in one frame."
    )

    store: StoreSettings = Field(
        default_factory=StoreSettings,
        description="History store writer limits, retention and roll-ups (MASTER_STORE__*).",
    )
    limits: LimitsSettings = Field(
        default_factory=LimitsSettings,
        description="What one agent can make the master hold per cluster: objects per kind, "
        "bytes, active findings, items per journal frame, nodes (MASTER_LIMITS__*).",
    )

    @field_validator("api_token")
    @classmethod
    def _no_placeholder(cls, v: SecretStr) -> SecretStr:
        raw = v.get_secret_value()
        if raw.lower() in _PLACEHOLDERS or len(raw) < 16:
            raise ValueError(
                "MASTER_API_TOKEN must be set to a random value of at least 16 characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return v

    @model_validator(mode="after")
    def _tls_or_plaintext(self) -> MasterSettings:
        has_tls = self.tls_cert_file is not None and self.tls_key_file is not None
        if not has_tls and not self.grpc_plaintext:
            raise ValueError(
                "gRPC needs MASTER_TLS_CERT_FILE and MASTER_TLS_KEY_FILE, or MASTER_GRPC_PLAINTEXT"
                "=true for a lab without TLS"
            )
        if self.tls_client_ca_file is not None and not has_tls:
            raise ValueError("MASTER_TLS_CLIENT_CA_FILE (mTLS) needs a server certificate and key")
        if self.reconnecting_after_s >= self.offline_after_s:
            raise ValueError("reconnecting_after_s must be shorter than offline_after_s")
        return self

    @property
    def effective_store_dsn(self) -> str:
        return self.store_dsn or f"sqlite+aiosqlite:///{self.data_dir / 'lookout.db'}"
