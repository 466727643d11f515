"""The agent's composition root: builds every part once and owns their lifetimes.

    ① Kubernetes API -> ② sources -> mirror (state) / detectors -> outbox (journal)
    -> ④ uplink -> master; commands come back down the same stream to the executor.

With leader election on (several replicas), all of that starts only once this replica holds
the Lease; followers stream nothing and do not even listen on the intake port
(``agent.leader.election.lead``).

SIGTERM: stop watching -> the uplink drains in-flight journal records (bounded wait) -> the
spool file is closed (anything unacknowledged is replayed by the next process) -> a leader
releases its Lease. With a spool file, the executor's command journal lives beside it, so a
command running at the kill is reported interrupted by the next process, never run twice."""

from __future__ import annotations

import asyncio
import logging
import uuid
from importlib.metadata import PackageNotFoundError, version

from agent.executor.client import Kube
from agent.executor.ledger import Ledger
from agent.executor.running import Executor
from agent.ingress_metrics.running import run_ingress_metrics
from agent.intake.serving import serve_intake
from agent.kubeapi.transport import KubeAccess
from agent.leader.election import lead
from agent.outbox.spool import Outbox
from agent.pod_metrics.running import run_pod_metrics
from agent.settings import AgentSettings
from agent.snapshot.mirror import Mirror
from agent.sources.running import run_sources
from agent.telemetry.metrics import AgentMetrics
from agent.telemetry.serving import serving
from agent.uplink.credentials import channel_credentials, channel_options
from agent.uplink.stream import Uplink, UplinkConfig
from shared.clock import now_ms
from shared.domain.journal import NodeMetricsBatch
from shared.domain.metrics import NodeMetricsSample
from shared.retry import Backoff

log = logging.getLogger(__name__)


def agent_version() -> str:
    try:
        return version("lookout")
    except PackageNotFoundError:
        return "0+unknown"


def build_uplink_config(settings: AgentSettings) -> UplinkConfig:
    credentials = (
        None
        if settings.plaintext
        else channel_credentials(
            ca_file=settings.tls_ca_file,
            cert_file=settings.tls_cert_file,
            key_file=settings.tls_key_file,
        )
    )
    if credentials is None:
        log.warning("dialing the master in PLAINTEXT: the token crosses the network unencrypted")
    return UplinkConfig(
        address=settings.master_address,
        cluster=settings.cluster_name,
        token=settings.read_token,
        agent_version=agent_version(),
        instance_id=uuid.uuid4().hex[:12],
        credentials=credentials,
        options=channel_options(
            max_message_bytes=settings.max_message_mb * 1024 * 1024,
            keepalive_s=20.0,
            server_name=settings.tls_server_name,
        ),
        capabilities=("snapshot", "journal", "commands"),
        heartbeat_interval_s=settings.heartbeat_interval_s,
        backoff=Backoff(initial_s=settings.reconnect_initial_s, max_s=settings.reconnect_max_s),
        refused_max_s=settings.reconnect_refused_max_s,
        snapshot_chunk=settings.snapshot_chunk,
        delta_window_s=settings.delta_window_s,
        drain_timeout_s=min(5.0, settings.shutdown_grace_s / 2),
    )


class AgentCore:
    """The parts every agent has; sources, intake and executor attach to these."""

    def __init__(self, settings: AgentSettings, metrics: AgentMetrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or AgentMetrics()
        self.wake = asyncio.Event()
        self.mirror = Mirror(wake=self.wake)
        self.outbox = Outbox(
            max_records=settings.spool_max_records,
            path=settings.spool_path,
            max_bytes=settings.spool_max_bytes,
            wake=self.wake,
        )
        journal_path = settings.command_journal_path
        self.executor = Executor(
            kube=None,
            outbox=self.outbox,
            policy=settings.policy,
            settings=settings.executor,
            journal=None
            if journal_path is None
            else Ledger(journal_path, max_entries=settings.executor.remembered_results),
        )
        self.uplink = Uplink(
            build_uplink_config(settings),
            mirror=self.mirror,
            outbox=self.outbox,
            wake=self.wake,
            on_command=self.executor.submit,
        )
        self.metrics.watch_outbox(self.outbox)
        self.metrics.watch_uplink(self.uplink)

    def close(self) -> None:
        self.outbox.close()

    async def run_sources(self, access: KubeAccess, stop: asyncio.Event) -> None:
        """Watch the cluster into this core's mirror and outbox until ``stop``."""
        await run_sources(
            self.settings.sources,
            kube=access,
            mirror=self.mirror,
            outbox=self.outbox,
            detect_settings=self.settings.detect,
            stop=stop,
            metrics=self.metrics,
        )

    def on_node_samples(self, samples: tuple[NodeMetricsSample, ...]) -> None:
        """Metrics from the node daemons become one journal record per push."""
        self.outbox.put(NodeMetricsBatch(samples), now_ms())


async def run(settings: AgentSettings, stop: asyncio.Event) -> None:
    src = settings.sources
    # Blocking (reads files, may run an exec plugin); fails start-up with a clear message when
    # there is no usable Kubernetes configuration, instead of streaming an empty cluster.
    access = await asyncio.to_thread(
        KubeAccess.from_files, kubeconfig=src.kubeconfig, context=src.context
    )
    metrics = AgentMetrics()
    try:
        # Served by followers too (their metrics are zeros), so a scrape tells them apart.
        async with access, serving(metrics, settings.metrics_listen):
            if settings.leader_election.enabled:
                # Raises LeadershipLost (the process exits non-zero) if the lease goes elsewhere.
                await lead(
                    access,
                    settings.leader_election,
                    stop,
                    lambda s: stream(settings, access, s, metrics),
                )
            else:
                await stream(settings, access, stop, metrics)
    finally:
        log.info("agent stopped")


async def stream(
    settings: AgentSettings,
    access: KubeAccess,
    stop: asyncio.Event,
    metrics: AgentMetrics | None = None,
) -> None:
    """Everything an active agent runs: uplink, executor, sources, metrics intake and, when
    enabled, the ingress-metrics scraper and the pod-metrics reader."""
    core = AgentCore(settings, metrics)
    try:
        async with asyncio.TaskGroup() as tg:
            core.executor.attach_kube(Kube(access, timeout_s=settings.executor.request_timeout_s))
            tg.create_task(core.uplink.run(stop), name="uplink")
            tg.create_task(core.executor.run(stop), name="executor")
            tg.create_task(core.run_sources(access, stop), name="sources")
            tg.create_task(
                serve_intake(
                    settings.intake.listen,
                    core.on_node_samples,
                    token=settings.intake.token_or_none(),
                    stop=stop,
                    max_samples=settings.intake.max_samples_per_push,
                ),
                name="metrics-intake",
            )
            if settings.ingress_metrics.enabled:
                tg.create_task(
                    run_ingress_metrics(
                        settings.ingress_metrics, kube=access, outbox=core.outbox, stop=stop
                    ),
                    name="ingress-metrics",
                )
            if settings.pod_metrics.enabled:
                tg.create_task(
                    run_pod_metrics(
                        settings.pod_metrics, kube=access, outbox=core.outbox, stop=stop
                    ),
                    name="pod-metrics",
                )
            log.info("agent for cluster %s started", settings.cluster_name)
    finally:
        core.close()
