"""Settings of the ingress-metrics scraper (nested into the agent's settings as
``ingress_metrics``; env ``AGENT_INGRESS_METRICS__*``, lists as JSON): whether it runs, how
often, which controller pods it discovers, which fixed URLs it scrapes and which responses
count as bad. Off by default: with it off the chart grants no extra permission."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from agent.ingress_metrics.discovery import DEFAULT_SELECTORS, Selector
from agent.ingress_metrics.scraper import DEFAULT_INTERVAL_S, DEFAULT_TIMEOUT_S, TargetConfig
from agent.ingress_metrics.sources import SOURCES, SourceConfig
from agent.ingress_metrics.statuses import DEFAULT_BAD
from shared.retry import Backoff


def _known_source(v: str) -> str:
    if v not in SOURCES:
        raise ValueError(f"unknown source {v!r}: use one of {', '.join(sorted(SOURCES))}")
    return v


SourceName = Annotated[str, AfterValidator(_known_source)]


class SelectorSettings(BaseModel):
    """Controller pods found by labels, scraped at their own IP on ``port``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SourceName = Field(
        ..., description="Exposition family of the pods (ingress-nginx, ...)."
    )
    labels: dict[str, str] = Field(..., min_length=1, description="Labels all must match.")
    port: int = Field(..., ge=1, le=65535, description="The pods' metrics port.")
    path: str = Field("/metrics", pattern=r"^/", description="HTTP path of the exposition.")

    def to_selector(self) -> Selector:
        return Selector(self.source, dict(self.labels), self.port, self.path)


def _default_selectors() -> list[SelectorSettings]:
    return [
        SelectorSettings(source=s.source, labels=dict(s.labels), port=s.port, path=s.path)
        for s in DEFAULT_SELECTORS
    ]


class StaticTargetSettings(BaseModel):
    """A fixed URL: a controller outside the cluster, behind a Service, or one whose pods carry
    no usable labels. ``generic`` needs ``counter`` and/or ``histogram`` and a label mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(..., min_length=1, description="Stable name; baselines follow it.")
    url: str = Field(..., pattern=r"^https?://", description="Full URL of the exposition.")
    source: SourceName = Field(..., description="Exposition family (ingress-nginx, ..., generic).")
    level: str = Field("", description="traefik: service|router|entrypoint; haproxy: "
                       "backend|frontend; empty: the source's default.")  # fmt: skip
    counter: str = Field("", description="generic: the request counter's sample name.")
    histogram: str = Field("", description="generic: the latency histogram's base name.")
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="generic: exposition label per field (service, route, namespace, host, "
        'status), e.g. {"service": "upstream", "status": "code"}.',
    )
    bucket_unit_seconds: float = Field(
        1.0, gt=0, description="generic: seconds per bucket unit (0.001 for milliseconds)."
    )

    @model_validator(mode="after")
    def _generic_names_something(self) -> StaticTargetSettings:
        if self.source == "generic" and not (self.counter or self.histogram):
            raise ValueError(f"target {self.name}: generic needs a counter or a histogram")
        return self


class IngressMetricsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        False,
        description="Scrape ingress / gateway controllers for SLOs. Off by default: it lists "
        "pods cluster-wide, and a cluster without SLOs should not pay for it.",
    )
    interval_s: float = Field(
        DEFAULT_INTERVAL_S,
        ge=1.0,
        le=300.0,
        description="Seconds between scrapes; 15 s is the controllers' charts' own default, "
        "and four intervals a minute give the master's minute buckets a margin for one miss.",
    )
    timeout_s: float = Field(
        DEFAULT_TIMEOUT_S,
        gt=0,
        description="Per-target HTTP timeout (seconds): a third of the default interval, so a "
        "hanging target never delays the next round.",
    )
    retry_max_s: float = Field(
        300.0,
        ge=1.0,
        description="Cap of a failing target's retry delay (seconds). The first retry comes one "
        "interval later, then the delay doubles: a target down for an hour costs a request "
        "every five minutes, not one per round.",
    )
    discovery_timeout_s: float = Field(
        10.0, gt=0, description="Timeout of each pod list against the API server (seconds)."
    )
    selectors: list[SelectorSettings] = Field(
        default_factory=_default_selectors,
        description="Controller pods to discover; defaults: ingress-nginx (10254), Traefik "
        "(9100), Envoy Gateway proxies (19001, /stats/prometheus). [] turns discovery off.",
    )
    targets: list[StaticTargetSettings] = Field(
        default_factory=list, description="Fixed URLs scraped besides the discovered pods."
    )
    bad_statuses: tuple[str, ...] = Field(
        DEFAULT_BAD,
        min_length=1,
        description="Status classes (5xx) or exact codes (429) counted as bad; 5xx by default "
        "as in the SRE workbook's availability SLI (4xx are the client's errors).",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> IngressMetricsSettings:
        names = [t.name for t in self.targets]
        if len(names) != len(set(names)):
            raise ValueError("ingress_metrics.targets: names must be unique")
        return self

    def backoff(self) -> Backoff:
        return Backoff(
            initial_s=self.interval_s, factor=2.0, max_s=max(self.retry_max_s, self.interval_s),
            jitter=0.2,
        )  # fmt: skip

    def source_config(self, level: str = "") -> SourceConfig:
        return SourceConfig(bad_statuses=self.bad_statuses, level=level)

    def static_targets(self) -> list[TargetConfig]:
        return [
            TargetConfig(
                name=t.name,
                url=t.url,
                source=t.source,
                config=SourceConfig(
                    bad_statuses=self.bad_statuses,
                    level=t.level,
                    counter=t.counter,
                    histogram=t.histogram,
                    labels=dict(t.labels),
                    bucket_unit_seconds=t.bucket_unit_seconds,
                ),
                timeout_s=self.timeout_s,
            )
            for t in self.targets
        ]
