"""Settings of the alert service (env ``MASTER_ALERTS__*``), nested in ``MasterSettings``."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    config_file: Path | None = Field(
        None,
        description="The alerting YAML (Alertmanager syntax for route / inhibit_rules / "
        "time_intervals / receivers, plus Lookout's rules). Unset: <data_dir>/alerting.yaml, "
        "which PUT /api/v1/alert-config writes; while that file does not exist the built-in "
        "default config (one local webhook receiver) runs.",
    )
    config_poll_s: float = Field(
        2.0,
        gt=0,
        description="How often the config file's mtime is checked for a change (seconds); "
        "SIGHUP reloads at once. Two seconds: a ConfigMap update takes longer to appear anyway.",
    )
    link_poll_s: float = Field(
        1.0,
        gt=0,
        description="How often agent link states are read for ClusterOffline (seconds): well "
        "under the offline delay, so the alert follows the link state within a second.",
    )
    external_url: str = Field(
        "",
        description="The dashboard's public URL, quoted in notifications (externalURL, links "
        "to each alert). Empty: notifications carry no links.",
    )
    queue_max: int = Field(
        10_000,
        ge=1,
        description="Events queued for the alert engine before the processor waits (events): "
        "back-pressure reaches the agents' acks, never a silent drop.",
    )
    lease_s: float = Field(
        60.0,
        gt=0,
        description="How long a claimed notification is held by its sender (seconds). A master "
        "that died mid-send leaves the row, and it is offered again after this; longer than "
        "any send's timeout so a slow send is not duplicated.",
    )
    retry_base_s: float = Field(1.0, gt=0, description="First retry delay (seconds).")
    retry_cap_s: float = Field(
        600.0, gt=0, description="Longest retry delay (seconds): receiver outages last minutes."
    )
    dead_after_s: float = Field(
        86_400.0,
        gt=0,
        description="A notification not delivered this long after it was queued is a dead "
        "letter (seconds), shown in the API and retryable by an admin.",
    )
    allowed_own_ports: list[int] = Field(
        default_factory=list,
        description="Master ports receivers may still post to on a local address (the demo's "
        "sink served by the master itself). Empty: the master never posts to itself.",
    )
    enrich_logs: bool = Field(
        True,
        description="Attach the last 20 log lines of the failing container (its previous "
        "instance) to firing notifications about CrashLoopBackOff and OOMKilled pods, fetched "
        "with a pod_logs command (actor 'alerts', redacted by the agent) within a 3 s budget; "
        "a fetch that fails or is late costs the notification nothing but that line.",
    )
