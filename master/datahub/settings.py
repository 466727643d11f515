"""Bounds on what one agent can make the master hold (``MASTER_LIMITS__*``).

``MasterSettings`` nests :class:`LimitsSettings`; the DataHub gives every cluster the same
bounds and the session reader checks the per-frame one. The defaults are sized for the largest
cluster Kubernetes supports (5,000 nodes, 150,000 pods) with room to spare, so a real agent never
meets them; they exist so that a broken or hostile agent degrades its own cluster's view
instead of exhausting the master's memory for every cluster (see ``master.datahub.limits`` for
what happens when one is reached)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class LimitsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    objects_per_kind: int = Field(
        200_000,
        ge=1,
        description="Mirrored objects of one kind per cluster (objects). Above Kubernetes' "
        "150,000 pods per cluster; past it new objects of that kind are refused, updates and "
        "deletes of known ones still apply.",
    )
    resource_bytes: int = Field(
        512 * MIB,
        ge=1,
        description="Bytes of mirrored objects per cluster (bodies, names, labels; bytes). A "
        "maximum-size cluster's slim projections (150,000 pods of about a kilobyte, plus "
        "events, workloads and nodes) stay well below it; past it upserts that would grow the "
        "total are refused. A snapshot being received is bounded separately by the same "
        "figure, so the peak is twice this while it replaces the current state.",
    )
    active_findings: int = Field(
        200_000,
        ge=1,
        description="Active findings held per cluster (findings). More than one for every pod "
        "and node of a maximum-size cluster; past it new fingerprints are not held as active "
        "(they are still stored in history), updates and resolutions of held ones apply.",
    )
    journal_items: int = Field(
        100_000,
        ge=1,
        description="Findings or samples in one journal frame, summed over its records (items; "
        "so also the most one record may hold). A real agent's frame is capped by the gRPC "
        "message size first: 16 MiB holds roughly 60,000 realistic findings. The cap bounds the "
        "Python objects one frame decodes into when an agent sends many tiny ones; raise it "
        "with MASTER_MAX_MESSAGE_MB. A frame over it closes that agent's stream "
        "(RESOURCE_EXHAUSTED).",
    )
    nodes: int = Field(
        10_000,
        ge=1,
        description="Nodes whose latest metrics are held per cluster (nodes). Twice Kubernetes' "
        "5,000 nodes per cluster; samples of further nodes are stored but not held.",
    )
    ingress_series: int = Field(
        5_000,
        ge=1,
        description="Ingress service/route series whose recent samples are held per cluster "
        "(series). A large ingress-nginx serves a few thousand Ingresses; past it samples of "
        "further series are stored but not held.",
    )
    ingress_samples_per_series: int = Field(
        240,
        ge=1,
        description="Recent samples held per ingress series (samples): 240 is an hour at the "
        "agent's default 15 s interval, the longest short window of the burn-rate rules; the "
        "oldest are forgotten first (they stay in the store).",
    )
