"""Every metric the master exports, on one ``CollectorRegistry`` per master (not the global
default: tests build several masters in one process, and each scrape must see only its own).

Owns names, labels, buckets and the one-line recording methods the parts call; does not own
when to record (the call sites) nor serving (``master.app`` mounts ``asgi_app``).

Label values are bounded: clusters are the registered ones, kinds/types/states come from code,
HTTP routes are path templates (an unmatched path is "other"), never raw paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, make_asgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.domain.commands import CommandUpdate
from shared.domain.journal import (
    FindingBatch,
    Gap,
    IngressBatch,
    JournalRecord,
    NodeMetricsBatch,
    PodMetricsBatch,
)

# The link statuses of master.datahub.status, all exported (0 too) so a query never misses one.
LINK_STATUSES = ("connected", "reconnecting", "offline")

# Seconds. HTTP answers are mostly sub-millisecond to tens of ms; long-polls run to 30 s.
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Group commits: SQLite fsync to a slow MariaDB, up to the commit timeout.
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
# Agent record time to master receipt: spooled replays after an outage can be hours old.
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
# Command request to final state: a dry run is ms, a rollout waits minutes.
COMMAND_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

# The kind label of each journal body type (a fixed table, so the label stays bounded).
_KINDS: dict[type, str] = {
    FindingBatch: "findings",
    NodeMetricsBatch: "node_metrics",
    IngressBatch: "ingress",
    PodMetricsBatch: "pod_metrics",
    CommandUpdate: "command_update",
    Gap: "gap",
}

StatusCounts = Callable[[], Mapping[str, int]]


def record_kind(rec: JournalRecord) -> str:
    return _KINDS.get(type(rec.body), "other")


class _Scraped(Collector):
    """A gauge family computed at scrape time from a callable, so it cannot drift from the
    state it reports (nobody increments it by hand)."""

    def __init__(self, build: Callable[[], GaugeMetricFamily]) -> None:
        self._build = build

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield self._build()


class _ScrapedMany(Collector):
    """Like ``_Scraped``, for several families computed together."""

    def __init__(self, build: Callable[[], Iterable[GaugeMetricFamily]]) -> None:
        self._build = build

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield from self._build()


# The live event stream's figures (``master.gateway.stream``), each a gauge read at scrape time.
STREAM_FIGURES = {
    "clients": "Open event streams (GET /api/v1/stream).",
    "opened": "Event streams opened since the master started.",
    "dropped": "Event streams the master ended because the client was too slow, since start.",
    "published": "Changes published to the change feed since the master started.",
    "ring_events": "Changes held in the ring for resuming streams (at most its capacity).",
    "lag_max_events": "Changes the furthest-behind open stream has still to pass (its queue).",
}


class MasterMetrics:
    """The master's metrics. Parts get this object from the composition root and call one
    method per event; a part built without one (unit tests) gets a private throw-away set."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.journal_records = Counter(
            "lookout_journal_records",
            "Journal records the master stored and applied, by cluster and record kind.",
            ["cluster", "kind"],
            registry=r,
        )
        self.journal_lag = Histogram(
            "lookout_journal_lag_seconds",
            "Master apply time minus the record's creation time on the agent (clock skew "
            "included), per cluster.",
            ["cluster"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.store_commit = Histogram(
            "lookout_store_commit_duration_seconds",
            "Time of one store group commit (a transaction of queued writes).",
            buckets=COMMIT_BUCKETS,
            registry=r,
        )
        self.commands = Counter(
            "lookout_commands",
            "Commands that reached a final state, by command type and outcome (final state).",
            ["type", "outcome"],
            registry=r,
        )
        self.command_duration = Histogram(
            "lookout_command_duration_seconds",
            "Command request to its final state, by command type.",
            ["type"],
            buckets=COMMAND_BUCKETS,
            registry=r,
        )
        self.http_requests = Counter(
            "lookout_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "lookout_http_request_duration_seconds",
            "HTTP request handling time, by route template and method.",
            ["route", "method"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        # reason is a fixed word ("bad_password", "unknown_user", "disabled", "throttled"),
        # never input. Only here: the HTTP answer is the same 401 whatever the reason.
        self.login_failures = Counter(
            "lookout_login_failures",
            "Failed dashboard logins, by reason.",
            ["reason"],
            registry=r,
        )

    # -- scrape-time state ------------------------------------------------------------------

    def watch_agents(self, counts: StatusCounts) -> None:
        """``counts()`` -> {link status: clusters}, read at each scrape."""

        def build() -> GaugeMetricFamily:
            g = GaugeMetricFamily(
                "lookout_agents", "Registered clusters by agent link status.", labels=["status"]
            )
            now = counts()
            for status in LINK_STATUSES:
                g.add_metric([status], now.get(status, 0))
            return g

        self.registry.register(_Scraped(build))

    def watch_store_queue(self, depth: Callable[[], int]) -> None:
        """``depth()`` -> units waiting for the store writer, read at each scrape."""

        def build() -> GaugeMetricFamily:
            return GaugeMetricFamily(
                "lookout_store_queue_depth",
                "Writes waiting in the store writer's queue (not counting the group in flight).",
                value=depth(),
            )

        self.registry.register(_Scraped(build))

    def watch_streams(self, figures: Callable[[], Mapping[str, float]]) -> None:
        """``figures()`` -> the live event stream's figures by name (``STREAM_FIGURES``), read
        at each scrape."""

        def build() -> Iterable[GaugeMetricFamily]:
            now = figures()
            for name, help_ in STREAM_FIGURES.items():
                yield GaugeMetricFamily(f"lookout_stream_{name}", help_, value=now.get(name, 0))

        self.registry.register(_ScrapedMany(build))

    # -- one-line recorders ------------------------------------------------------------------

    def journal_applied(self, cluster: str, records: Iterable[JournalRecord], now: int) -> None:
        """``records`` were stored and applied for ``cluster`` at ``now`` (epoch ms)."""
        lag = self.journal_lag.labels(cluster)
        for rec in records:
            self.journal_records.labels(cluster, record_kind(rec)).inc()
            lag.observe(max(0.0, (now - rec.created_ms) / 1000))

    def command_finished(self, type_: str, outcome: str, *, created_ms: int, now: int) -> None:
        self.commands.labels(type_, outcome).inc()
        self.command_duration.labels(type_).observe(max(0.0, (now - created_ms) / 1000))

    def http_answered(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_duration.labels(route, method).observe(seconds)


def asgi_app(metrics: MasterMetrics) -> Callable[..., object]:
    """The ASGI app answering ``/metrics`` (any path) from this master's registry."""
    app: Callable[..., object] = make_asgi_app(registry=metrics.registry)
    return app
