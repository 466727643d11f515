"""Settings of the watchers (nested into the agent's settings as ``sources``; env
``AGENT_SOURCES__…``).

Owns: which kinds and namespaces are watched, how lists are paged, how often things are
retried or rechecked, and where the Kubernetes credentials come from. Does not own the
detector thresholds (``agent.detect``) or the uplink's snapshot cadence (``agent.snapshot``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SourcesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    namespaces_include: list[str] = Field(
        default_factory=list,
        description="Watch only these namespaces (empty: all). Namespaced kinds then get one "
        "watch per namespace, which also works with namespace-scoped RBAC.",
    )
    namespaces_exclude: list[str] = Field(
        default_factory=list,
        description="Namespaces whose objects are dropped on arrival (e.g. a noisy CI "
        "namespace). Filtering happens on the agent, so RBAC must still allow the list.",
    )
    kinds_disabled: list[str] = Field(
        default_factory=list,
        description="Source names (keys of agent.sources.registry.SOURCES, e.g. 'ConfigMap') "
        "not to watch, on top of the ones disabled by default.",
    )
    kinds_enabled: list[str] = Field(
        default_factory=list,
        description="Sources disabled by default to switch on (e.g. 'events.k8s.io/Event' "
        "instead of the core/v1 Event source).",
    )
    secrets_enabled: bool = Field(
        False,
        description="Watch Secrets (names and key names only, never values). Off by default: "
        "reading Secrets needs an RBAC grant many operators rightly refuse.",
    )
    list_page_size: int = Field(
        500,
        ge=10,
        le=5000,
        description="Objects per list page (limit=). 500 keeps one page of large pods at "
        "~3.5 MB raw, so the initial list's peak memory stays low while the round trips stay "
        "few.",
    )
    resync_interval_s: float = Field(
        0.0,
        ge=0.0,
        description="Seconds between periodic full relists of every kind (0: never). Watches "
        "with bookmarks do not drift, so this is a belt-and-braces setting for buggy proxies.",
    )
    watch_timeout_s: int = Field(
        300,
        ge=30,
        le=3600,
        description="Server-side timeoutSeconds of one watch request; the watch is re-opened "
        "from the last resourceVersion at no cost. Jittered up to +20% so kinds do not "
        "re-open together.",
    )
    request_timeout_s: float = Field(
        60.0,
        gt=0.0,
        description="Timeout of one list page request (seconds); a 500-pod page normally "
        "arrives in well under a second.",
    )
    backoff_initial_s: float = Field(
        0.5, gt=0.0, description="First retry delay after a failed list or watch (seconds)."
    )
    backoff_max_s: float = Field(
        30.0,
        gt=0.0,
        description="Retry delay cap (seconds): an API server outage is retried at most "
        "every 30 s per kind, with full jitter so 20 kinds do not retry in lockstep.",
    )
    forbidden_retry_s: float = Field(
        300.0,
        gt=0.0,
        description="Retry period for a kind RBAC forbids (seconds). A 403 is reported once; "
        "retrying every 5 minutes picks up a fixed Role without hammering the API server.",
    )
    recheck_interval_s: float = Field(
        10.0,
        gt=0.0,
        description="Seconds between re-running the detectors on objects that are unhealthy "
        "or have findings, so duration rules (e.g. NotReady for 5 min) fire and stale "
        "events resolve without waiting for the next change of the object.",
    )
    first_phase_timeout_s: float = Field(
        60.0,
        gt=0.0,
        description="How long kinds judged with lookups (Services, Deployments, Events...) "
        "wait at start for the looked-up kinds (Pods, ReplicaSets...) to finish their first "
        "list (seconds). Even a large cluster's first list normally takes seconds; the cap "
        "only matters when the API server is failing.",
    )
    recheck_max_objects: int = Field(
        20_000,
        ge=100,
        description="Cap on the objects held for rechecks (each a trimmed raw dict, a few "
        "KiB). Past it new unhealthy objects are judged on change only; the count is logged.",
    )
    kubeconfig: Path | None = Field(
        None,
        description="Kubeconfig file. None: the in-cluster service account, then the client "
        "default ($KUBECONFIG or ~/.kube/config).",
    )
    context: str | None = Field(None, description="Kubeconfig context (None: current).")

    @model_validator(mode="after")
    def _consistent(self) -> SourcesSettings:
        overlap = set(self.namespaces_include) & set(self.namespaces_exclude)
        if overlap:
            raise ValueError(f"namespaces both included and excluded: {sorted(overlap)}")
        both = set(self.kinds_enabled) & set(self.kinds_disabled)
        if both:
            raise ValueError(f"kinds both enabled and disabled: {sorted(both)}")
        return self
