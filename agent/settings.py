"""Agent settings (env prefix ``AGENT_``; nested groups use ``__``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from agent.detect.settings import DetectSettings
from agent.executor.settings import ExecutorSettings, PolicySettings
from agent.ingress_metrics.settings import IngressMetricsSettings
from agent.intake.settings import IntakeSettings
from agent.leader.settings import LeaderElectionSettings
from agent.pod_metrics.settings import PodMetricsSettings
from agent.sources.registry import enabled_sources
from agent.sources.settings import SourcesSettings
from shared.settings import CommonSettings, listen_or_empty


class AgentSettings(CommonSettings):
    model_config = SettingsConfigDict(
        env_prefix="AGENT_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    cluster_name: str = Field(
        ..., min_length=1, max_length=63, description="Name this cluster is registered under."
    )
    master_address: str = Field(..., min_length=3, description="host:port of the master's gRPC.")
    token: SecretStr = Field(
        SecretStr(""), description="Agent token from `lookout-master cluster add`."
    )
    token_file: Path | None = Field(
        None, description="File holding the token (a mounted Secret); wins over AGENT_TOKEN."
    )
    tls_ca_file: Path | None = Field(
        None, description="CA bundle to verify the master (default: the system roots)."
    )
    tls_cert_file: Path | None = Field(None, description="Client certificate for mTLS.")
    tls_key_file: Path | None = Field(None, description="Client key for mTLS.")
    tls_server_name: str = Field(
        "", description="Override the name checked in the master's certificate."
    )
    plaintext: bool = Field(
        False, description="Dial without TLS (labs only; the token crosses in the clear)."
    )
    spool_max_records: int = Field(
        50_000,
        ge=100,
        description="Unacknowledged journal records kept; past it the oldest become a counted gap. "
        "50k small records is about 25 MiB and covers ~1 h of findings at incident rates.",
    )
    spool_path: Path | None = Field(
        None,
        description="File that keeps the spool across agent restarts (None: memory only: a "
        "restart loses what the master had not acknowledged, and commands are deduplicated in "
        "memory only, so one the master still shows as sent can run again). Its directory (made "
        "0700, files 0600) also holds the command journal, ``<spool file>.commands``, that makes "
        "mutating commands at-most-once across restarts (entries expire after the command's "
        "deadline; at most AGENT_EXECUTOR__REMEMBERED_RESULTS finished ones are kept).",
    )
    spool_max_bytes: int = Field(
        16 * 1024 * 1024,
        ge=1024 * 1024,
        description="With a spool file: live bytes of unacknowledged records kept; past it the "
        "oldest become a counted gap, as past spool_max_records. The file is compacted when it "
        "exceeds 1.5x the live bytes + 1 MiB, and a compaction writes the live copy beside it, "
        "so the spool never takes more than 2.5x this + 1 MiB of disk: the default's 41 MiB fit "
        "a 64 MiB volume with room for the command journal. A disk that refuses writes (full, "
        "quota, I/O error) never stops the agent: records stay in memory, a SpoolNotDurable "
        "finding is raised and the file is rewritten as soon as the disk takes it again.",
    )
    heartbeat_interval_s: float = Field(5.0, gt=0, description="Heartbeat period (seconds).")
    metrics_listen: str = Field(
        "127.0.0.1:9091",
        description="host:port serving the agent's own Prometheus metrics (GET /metrics, no "
        "auth). Loopback by default so a process started by hand exposes nothing; the chart "
        "sets 0.0.0.0:9091 and a NetworkPolicy limits who reaches it. Empty: not served.",
    )
    delta_window_s: float = Field(
        0.25,
        ge=0,
        le=5.0,
        description="Seconds between resource delta sends; each send carries everything "
        "changed meanwhile, coalesced per object (0 = send every change at once). Every frame "
        "costs CPU on both sides, so on a churning cluster a quarter second turns one frame per "
        "watch event into a few per window and cuts both processes' steady CPU markedly "
        "(figures in bench/README.md), while the master's view lags by at most the window. "
        "Findings never wait for it.",
    )
    reconnect_initial_s: float = Field(0.5, gt=0, description="First reconnect delay (seconds).")
    reconnect_max_s: float = Field(
        8.0,
        gt=0,
        description="Reconnect delay cap: a fleet never waits longer than this, so an agent is "
        "back within about this long after its link heals (target 10 s). Every delay is a "
        "uniform draw up to its ceiling, so agents that lost the master together still spread "
        "their redials.",
    )
    reconnect_refused_max_s: float = Field(
        30.0,
        gt=0,
        description="Reconnect delay cap after the master refused the handshake (bad or revoked "
        "token, too many failed hellos): the master counts failed hellos per address, so a "
        "misconfigured agent redialing fast would get healthy agents behind the same NAT "
        "address refused too.",
    )
    max_message_mb: int = Field(16, ge=4, le=256, description="Largest gRPC message (MiB).")
    snapshot_chunk: int = Field(
        500,
        ge=1,
        description="Objects per snapshot frame: keeps a 5,000-pod snapshot under the gRPC "
        "message limit and lets the master stage it incrementally.",
    )

    sources: SourcesSettings = Field(
        default_factory=SourcesSettings, description="What to watch (AGENT_SOURCES__*)."
    )
    detect: DetectSettings = Field(
        default_factory=DetectSettings, description="Detector thresholds (AGENT_DETECT__*)."
    )
    intake: IntakeSettings = Field(
        default_factory=IntakeSettings,
        description="The MetricsIntake service node daemons push to (AGENT_INTAKE__*).",
    )

    ingress_metrics: IngressMetricsSettings = Field(
        default_factory=IngressMetricsSettings,
        description="Scraping ingress / gateway controllers for SLOs (AGENT_INGRESS_METRICS__*).",
    )
    pod_metrics: PodMetricsSettings = Field(
        default_factory=PodMetricsSettings,
        description="Reading pod and node usage from metrics.k8s.io (AGENT_POD_METRICS__*).",
    )

    policy: PolicySettings = Field(
        default_factory=PolicySettings,
        description="What the master may ask this agent to do (AGENT_POLICY__*): the cluster "
        "owner's allowlist, enforced here whatever the master sends.",
    )
    executor: ExecutorSettings = Field(
        default_factory=ExecutorSettings, description="Command execution (AGENT_EXECUTOR__*)."
    )
    leader_election: LeaderElectionSettings = Field(
        default_factory=LeaderElectionSettings,
        description="With several replicas, stream only while holding a Lease "
        "(AGENT_LEADER_ELECTION__*).",
    )

    @field_validator("metrics_listen")
    @classmethod
    def _metrics_listen(cls, v: str) -> str:
        return listen_or_empty(v, field="AGENT_METRICS_LISTEN")

    @field_validator("cluster_name")
    @classmethod
    def _dns_label(cls, v: str) -> str:
        import re

        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", v):
            raise ValueError("cluster_name must be a DNS label (lowercase, digits, '-')")
        return v

    @model_validator(mode="after")
    def _credentials(self) -> AgentSettings:
        if self.token_file is None and not self.token.get_secret_value():
            raise ValueError(
                "set AGENT_TOKEN or AGENT_TOKEN_FILE (from `lookout-master cluster add`)"
            )
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("mTLS needs both AGENT_TLS_CERT_FILE and AGENT_TLS_KEY_FILE")
        enabled_sources(self.sources)  # unknown kind names fail here, at start-up
        return self

    @property
    def command_journal_path(self) -> Path | None:
        """The executor's command journal, beside the spool file (None in memory mode)."""
        if self.spool_path is None:
            return None
        return self.spool_path.with_name(self.spool_path.name + ".commands")

    def read_token(self) -> str:
        if self.token_file is not None:
            return self.token_file.read_text().strip()
        return self.token.get_secret_value()
