"""Master settings (env prefix ``MASTER_``; nested groups use ``__``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from master.alerting.settings import AlertSettings
from master.anomaly_service.settings import AnomalySettings
from master.datahub.settings import LimitsSettings
from master.gateway.stream.settings import StreamSettings
from master.remediation.settings import RemediationSettings
from master.slo_service.settings import SloSettings
from master.store.settings import StoreSettings
from shared.settings import CommonSettings, listen_or_empty

# scheme://host[:port], as a browser sends it in Origin: no path, no wildcard.
_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)
_PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "password", "admin", "token"})


def _words(v: Any) -> Any:
    """A list from the environment: a JSON array, or words separated by spaces or commas."""
    if isinstance(v, str):
        if v.lstrip().startswith("["):
            return orjson.loads(v)
        return [w for w in v.replace(",", " ").split() if w]
    return v


class OidcSettings(BaseModel):
    """Single sign-on with an OpenID Connect provider (MASTER_OIDC__*); off unless ``issuer``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(
        "",
        description="The provider's issuer URL, exactly as its discovery document "
        "(<issuer>/.well-known/openid-configuration) states it. Empty: SSO off.",
    )
    client_id: str = Field("", description="The client id registered at the provider.")
    client_secret: SecretStr = Field(
        SecretStr(""),
        description="The client's secret (sent with client_secret_basic to the token endpoint).",
    )
    redirect_url: str = Field(
        "",
        description="The master's callback as the browser reaches it, registered at the "
        "provider: https://<dashboard host>/api/v1/auth/oidc/callback.",
    )
    scopes: Annotated[list[str], NoDecode] = Field(
        ["openid", "profile", "email", "groups"],
        description="Scopes asked for; `groups` is what most providers need to send the groups "
        "claim. `openid` is added when missing.",
    )
    groups_claim: str = Field(
        "groups", description="ID token claim holding the user's groups (a list of strings)."
    )
    username_claim: str = Field(
        "preferred_username",
        description="ID token claim naming the Lookout user; `sub` when the token lacks it.",
    )
    allowed_groups: Annotated[list[str], NoDecode] = Field(
        [],
        description="When set, only members of at least one of these groups may sign in. "
        "Empty: anyone the provider signs in who has some role here.",
    )
    auto_create: bool = Field(
        True,
        description="Create the user row (no password, no global role: roles come from role "
        "bindings of the user or its groups) at the first SSO login. Off: an admin creates "
        "users first.",
    )
    http_timeout_s: float = Field(
        10.0,
        gt=0,
        le=60,
        description="Timeout of each call to the provider (discovery, JWKS, token), seconds: a "
        "person waits on the login page meanwhile.",
    )
    metadata_ttl_s: float = Field(
        3600.0,
        ge=0,
        description="How long the discovery document and JWKS are reused (s). A token signed "
        "by a key the cached JWKS lacks refetches it at once, so key rotation needs no wait.",
    )

    _split = field_validator("scopes", "allowed_groups", mode="before")(_words)

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if not self.issuer:
            return self
        missing = [
            f"MASTER_OIDC__{name.upper()}"
            for name, value in (
                ("client_id", self.client_id),
                ("client_secret", self.client_secret.get_secret_value()),
                ("redirect_url", self.redirect_url),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"MASTER_OIDC__ISSUER is set, so set {', '.join(missing)} too")
        for name, url in (("ISSUER", self.issuer), ("REDIRECT_URL", self.redirect_url)):
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"MASTER_OIDC__{name} must be an http(s) URL")
        if not self.redirect_url.endswith("/api/v1/auth/oidc/callback"):
            raise ValueError("MASTER_OIDC__REDIRECT_URL must end with /api/v1/auth/oidc/callback")
        return self


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
    metrics_listen: str = Field(
        "127.0.0.1:9090",
        description="host:port serving the master's own Prometheus metrics (GET /metrics, no "
        "auth), apart from the API port so it can be firewalled separately. Loopback by "
        "default: the chart sets 0.0.0.0:9090 and limits who reaches it. Empty: not served.",
    )
    http_tls_cert_file: Path | None = Field(
        None,
        description="PEM certificate (chain) for the HTTP gateway; with http_tls_key_file the "
        "port serves HTTPS only (TLS 1.2 or later). Both or neither. Unset: plain HTTP, for a "
        "gateway behind an Ingress or proxy that terminates TLS; set it when callers reach the "
        "port directly, since the API token and the dashboard cross the network otherwise.",
    )
    http_tls_key_file: Path | None = Field(
        None, description="PEM private key of http_tls_cert_file (both or neither)."
    )
    cors_origins: list[str] = Field(
        [],
        description="Origins (scheme://host[:port]) whose browser pages may call the HTTP API "
        'with credentials, e.g. ["https://ops.example.com"] (JSON list). Empty: no CORS '
        "headers at all, so only pages the master itself serves can read its answers; the "
        "dashboard needs none. A wildcard is refused: with credentials it would let any site "
        "act as a logged-in user.",
    )
    dashboard_dir: Path | None = Field(
        None,
        description="Directory of a built dashboard (index.html and assets/, as `npm run build` "
        "writes dashboard/dist) served at /. Unset: the build shipped inside the master's "
        "package (master/gateway/static/dashboard, filled by scripts/build-dashboard.sh, which "
        "make demo, make test and the image run). Set it to serve another build without "
        "reinstalling; a directory without index.html makes / say how to build one.",
    )
    tls_cert_file: Path | None = Field(None, description="PEM certificate for the gRPC port.")
    tls_key_file: Path | None = Field(None, description="PEM private key for the gRPC port.")
    tls_client_ca_file: Path | None = Field(
        None,
        description="PEM CA bundle; when set, agents must present a client certificate it "
        "signed (mTLS) in addition to their token.",
    )
    tls_self_signed: bool = Field(
        False,
        description="Serve gRPC with a certificate signed by a CA the master generates once into "
        "<data_dir>/credentials and keeps (agents trust that CA for good; the server certificate "
        "is re-issued from it when tls_self_signed_hosts change or it nears expiry). "
        "`lookout-master credentials ca` prints the CA agents need. Excludes tls_cert_file.",
    )
    tls_self_signed_hosts: list[str] = Field(
        ["localhost"],
        min_length=1,
        description="DNS names and IP addresses the self-signed server certificate is valid "
        "for: every name agents dial (the chart adds its Service names).",
    )
    tls_self_signed_days: int = Field(
        3650,
        ge=31,
        le=36500,
        description="Lifetime of the generated CA and server certificate, days (10 years: the "
        "CA is replaced only by deleting it, so a short life would mean an outage).",
    )
    grpc_plaintext: bool = Field(
        False,
        description="Serve gRPC without TLS. Only for labs: tokens then cross the network in the "
        "clear, so the master logs a warning at start-up.",
    )
    generate_secrets: bool = Field(
        False,
        description="When api_token is not given, generate it (and the JWT secret and bootstrap "
        "admin password) once into <data_dir>/credentials and reuse it on every start, so "
        "nothing random has to be rendered by a chart. `lookout-master credentials api-token` "
        "prints it.",
    )
    api_token: SecretStr = Field(
        SecretStr(""),
        description="Optional break-glass bearer token acting as a global admin, for scripts "
        "written before logins and for recovery; off (empty) unless set. Never generated; "
        "placeholder values and tokens shorter than 16 characters are refused. Prefer API "
        "tokens (POST /api/v1/tokens): they are per job, scoped, expiring and revocable.",
    )
    jwt_secret: SecretStr = Field(
        SecretStr(""),
        description="Signs the access tokens of logged-in users (HS256; at least 32 bytes of "
        "randomness). Generated with the other secrets when generate_secrets; empty without "
        "generate_secrets = user logins off, only the API token works.",
    )
    bootstrap_admin_password: SecretStr = Field(
        SecretStr(""),
        description="Password of the first admin (user `admin`), created at start-up when no "
        "active admin exists. Generated when generate_secrets; `lookout-master credentials "
        "admin-password` prints it. Refused at start-up when weak (the password rules).",
    )
    access_token_ttl_s: int = Field(
        300, ge=30, le=3600, description="Lifetime of an access token from /auth/login (s)."
    )
    refresh_token_ttl_s: int = Field(
        12 * 3600,
        ge=300,
        le=30 * 86400,
        description="How long a login lasts at most (s): refreshing rotates the refresh token "
        "but never extends the session past this.",
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
    http_body_max_kib: int = Field(
        1024,
        ge=1,
        le=64 * 1024,
        description="Largest HTTP request body the gateway reads (KiB), checked before parsing "
        "and before authentication, so an anonymous caller cannot make the master hold more. "
        "1 MiB is far above any body the API takes today; routes with small bodies declare a "
        "smaller limit of their own (a command request: 16 KiB). Larger bodies answer 413.",
    )
    max_message_mb: int = Field(
        16,
        ge=4,
        le=256,
        description="Largest gRPC message accepted (MiB). Applies to every frame, the first one "
        "(the hello, before authentication) too; a snapshot frame carries up to the agent's "
        "snapshot_chunk objects with their bodies, which is what this must hold. The hello "
        "itself is refused past a few KiB once received (master.ingress.limits).",
    )
    grpc_max_concurrent_rpcs: int = Field(
        1024,
        ge=2,
        description="Most gRPC calls the master serves at once; past it a new call fails at "
        "once with RESOURCE_EXHAUSTED. Each connected agent holds one stream for its whole "
        "session (plus short health checks), so this bounds what unauthenticated connections "
        "can make the master hold; raise it for a fleet of more clusters.",
    )
    grpc_failed_hello_burst: int = Field(
        10,
        ge=1,
        description="Failed hellos (bad token, malformed or missing hello) one peer address may "
        "have in a row before its new streams are refused with RESOURCE_EXHAUSTED: enough "
        "for an agent restarting with a stale token a few times, not for guessing tokens. "
        "Agents behind one NAT address share a bucket (a misconfigured one can delay the "
        "others' reconnects by up to grpc_failed_hello_refill_s).",
    )
    grpc_failed_hello_refill_s: float = Field(
        6.0,
        gt=0,
        description="Seconds for one failed hello of the burst to be forgiven (a blocked "
        "address may try again after this long; 10 per minute at most in the long run).",
    )
    journal_batch_max: int = Field(
        512, ge=1, description="Most journal records an agent may put in one frame."
    )

    store: StoreSettings = Field(
        default_factory=StoreSettings,
        description="History store writer limits, retention and roll-ups (MASTER_STORE__*).",
    )
    oidc: OidcSettings = Field(
        default_factory=OidcSettings,
        description="Single sign-on with an OpenID Connect provider (MASTER_OIDC__*).",
    )
    limits: LimitsSettings = Field(
        default_factory=LimitsSettings,
        description="What one agent can make the master hold per cluster: objects per kind, "
        "bytes, active findings, items per journal frame, nodes (MASTER_LIMITS__*).",
    )
    stream: StreamSettings = Field(
        default_factory=StreamSettings,
        description="The live event stream GET /api/v1/stream: the ring of recent changes "
        "kept for resuming, open streams at most, heartbeat and write timeouts "
        "(MASTER_STREAM__*).",
    )
    alerts: AlertSettings = Field(
        default_factory=AlertSettings,
        description="Alerting: the config file, reload polling, notification delivery "
        "(MASTER_ALERTS__*).",
    )
    remediation: RemediationSettings = Field(
        default_factory=RemediationSettings,
        description="Remediation: fixes suggested for findings, previewed as dry runs, run once "
        "approved and verified afterwards (MASTER_REMEDIATION__*); the approval policy is "
        "data (PUT /api/v1/remediation-policy).",
    )
    slo: SloSettings = Field(
        default_factory=SloSettings,
        description="SLOs: the definitions file and how often budgets and burn rates are "
        "evaluated (MASTER_SLO__*).",
    )
    anomaly: AnomalySettings = Field(
        default_factory=AnomalySettings,
        description="Statistical anomaly alerts (noisy-neighbour nodes): on or off and how "
        "often they are evaluated (MASTER_ANOMALY__*).",
    )

    @field_validator("api_token")
    @classmethod
    def _no_placeholder(cls, v: SecretStr) -> SecretStr:
        raw = v.get_secret_value()
        if not raw:
            return v  # off
        if raw.lower() in _PLACEHOLDERS or len(raw) < 16:
            raise ValueError(
                "MASTER_API_TOKEN must be set to a random value of at least 16 characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return v

    @field_validator("jwt_secret")
    @classmethod
    def _jwt_secret_long(cls, v: SecretStr) -> SecretStr:
        raw = v.get_secret_value()
        if raw and len(raw.encode()) < 32:
            raise ValueError("MASTER_JWT_SECRET must be at least 32 bytes of random text")
        return v

    @field_validator("cors_origins")
    @classmethod
    def _cors_origins(cls, v: list[str]) -> list[str]:
        for origin in v:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"MASTER_CORS_ORIGINS: {origin!r} is not an origin like https://host[:port] "
                    "(no path, no trailing slash, no wildcard)"
                )
        return v

    @field_validator("metrics_listen")
    @classmethod
    def _metrics_listen(cls, v: str) -> str:
        return listen_or_empty(v, field="MASTER_METRICS_LISTEN")

    @model_validator(mode="after")
    def _some_way_in(self) -> MasterSettings:
        """A master nobody can call is a misconfiguration, not a secure default."""
        if not (
            self.generate_secrets
            or self.jwt_secret.get_secret_value()
            or self.api_token.get_secret_value()
        ):
            raise ValueError(
                "set MASTER_JWT_SECRET (logins; with MASTER_BOOTSTRAP_ADMIN_PASSWORD for the "
                "first admin), or MASTER_GENERATE_SECRETS=true, or a break-glass MASTER_API_TOKEN"
            )
        return self

    @model_validator(mode="after")
    def _http_tls_pair(self) -> MasterSettings:
        if (self.http_tls_cert_file is None) != (self.http_tls_key_file is None):
            raise ValueError(
                "HTTPS needs both MASTER_HTTP_TLS_CERT_FILE and MASTER_HTTP_TLS_KEY_FILE "
                "(or neither, for plain HTTP)"
            )
        return self

    @model_validator(mode="after")
    def _tls_or_plaintext(self) -> MasterSettings:
        given = self.tls_cert_file is not None or self.tls_key_file is not None
        if self.tls_self_signed and (given or self.grpc_plaintext):
            raise ValueError(
                "MASTER_TLS_SELF_SIGNED contradicts MASTER_TLS_CERT_FILE/KEY_FILE and "
                "MASTER_GRPC_PLAINTEXT: pick one"
            )
        has_tls = self.tls_self_signed or (
            self.tls_cert_file is not None and self.tls_key_file is not None
        )
        if not has_tls and not self.grpc_plaintext:
            raise ValueError(
                "gRPC needs MASTER_TLS_CERT_FILE and MASTER_TLS_KEY_FILE, or MASTER_TLS_SELF_SIGNED"
                "=true, or MASTER_GRPC_PLAINTEXT=true for a lab without TLS"
            )
        if self.tls_client_ca_file is not None and not has_tls:
            raise ValueError("MASTER_TLS_CLIENT_CA_FILE (mTLS) needs a server certificate and key")
        if self.reconnecting_after_s >= self.offline_after_s:
            raise ValueError("reconnecting_after_s must be shorter than offline_after_s")
        return self

    @property
    def effective_store_dsn(self) -> str:
        return self.store_dsn or f"sqlite+aiosqlite:///{self.data_dir / 'lookout.db'}"
