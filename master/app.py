"""The master's composition root: builds every part once and owns their lifetimes.

Start order: store (migrations) -> DataHub -> processor -> gRPC link -> HTTP gateway -> ready.
SIGTERM: readiness off and gRPC health NOT_SERVING -> sessions told to end, stop accepting ->
drain within the grace period -> long-polls released and event streams ended -> HTTP stops ->
store flushes its writer and closes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from master.alerting.enrich import LogEnricher, bus_fetch
from master.alerting.pod_events import hub_events
from master.alerting.service import AlertService
from master.anomaly_service.service import AnomalyService
from master.auth.passwords import hash_password, password_problems
from master.auth.roles import Role
from master.commands.bus import CommandBus
from master.datahub.changes import ChangeFeed
from master.datahub.cluster import AgentInfo
from master.datahub.hub import DataHub
from master.gateway.app import GatewayApp, create_app
from master.gateway.oidc_client import OidcClient, OidcConfig
from master.gateway.state import GatewayState
from master.gateway.stream.alerts import AlertEvents
from master.gateway.stream.clusters import watch_clusters
from master.gateway.stream.registry import Streams
from master.gateway.usage import TokenUsage
from master.ingress.credentials import server_credentials
from master.ingress.revalidation import revalidate_sessions
from master.ingress.server import LinkOptions, LinkServer
from master.ingress.stream import SessionConfig, SessionHooks
from master.processor.journal import JournalProcessor
from master.remediation.service import RemediationService
from master.settings import MasterSettings, OidcSettings
from master.slo_service.service import SloService
from master.store import Store, private_dir, run_maintenance
from master.telemetry.metrics import MasterMetrics, asgi_app
from shared.clock import now_ms
from shared.errors import ConfigError

log = logging.getLogger(__name__)


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: the composition root owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(listen: str) -> socket.socket:
    host, _, port = listen.rpartition(":")
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets it can tell
    # are TCP, and without it every kept-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host.strip("[]") or "0.0.0.0", int(port)))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def _metrics_server(metrics: MasterMetrics) -> _Uvicorn:
    """uvicorn for ``/metrics`` on its own port (``metrics_listen``): plain HTTP, no auth, so
    it never shares the API port, and it stops with the master (``serve``)."""
    config = uvicorn.Config(asgi_app(metrics), log_config=None, access_log=False, lifespan="off")
    config.load()
    return _Uvicorn(config)


def _http_server(app: GatewayApp, settings: MasterSettings) -> _Uvicorn:
    """uvicorn for the gateway, serving HTTPS (TLS 1.2 or later) when a certificate is set.

    The configuration is loaded here rather than by ``serve`` so that an unreadable
    certificate fails start-up with its path instead of surfacing later from the HTTP task."""
    cert, key = settings.http_tls_cert_file, settings.http_tls_key_file
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        ssl_certfile=cert,
        ssl_keyfile=key,
    )
    try:
        config.load()
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load the HTTP TLS certificate {cert} and key {key}: {e}") from e
    if config.ssl is not None:
        # Python's default already, unless an OpenSSL policy on the host lowers it.
        config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
    return _Uvicorn(config)


async def open_store(settings: MasterSettings, metrics: MasterMetrics | None = None) -> Store:
    """The data dir (created 0700, see ``master.store.engine.files``) and the store in it."""
    private_dir(settings.data_dir)
    s = settings.store
    return await Store.open(
        settings.effective_store_dsn,
        queue_max=s.queue_max,
        batch_max=s.batch_max,
        commit_timeout_s=s.commit_timeout_s,
        durable=not s.lose_acked_on_power_loss,
        metrics=metrics,
    )


class _StoreHooks(SessionHooks):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def opened(self, cluster: str, *, session_id: str, agent: AgentInfo) -> None:
        await self._store.journal.session_opened(
            cluster,
            session_id=session_id,
            instance_id=agent.instance_id,
            agent_version=agent.version,
            now_ms=now_ms(),
        )

    async def closed(self, cluster: str, session_id: str) -> None:
        await self._store.journal.session_closed(session_id, now_ms())


@dataclass
class Master:
    """A running master; ``grpc_port``/``http_port`` are the bound ports (useful with port 0)."""

    settings: MasterSettings
    store: Store
    hub: DataHub
    processor: JournalProcessor
    link: LinkServer
    commands: CommandBus
    gateway: GatewayState
    app: GatewayApp
    http: _Uvicorn
    http_socket: socket.socket
    metrics: MasterMetrics
    metrics_http: _Uvicorn | None = None  # None: metrics_listen is empty
    metrics_socket: socket.socket | None = None
    grpc_port: int = 0
    alerts: AlertService | None = None
    slos: SloService | None = None
    anomalies: AnomalyService | None = None  # None: MASTER_ANOMALY__ENABLED=false
    remediations: RemediationService | None = None

    @property
    def http_port(self) -> int:
        port: int = self.http_socket.getsockname()[1]
        return port

    @property
    def metrics_port(self) -> int | None:
        if self.metrics_socket is None:
            return None
        port: int = self.metrics_socket.getsockname()[1]
        return port


async def start(settings: MasterSettings) -> Master:
    metrics = MasterMetrics()
    store = await open_store(settings, metrics)
    try:
        return await _start(settings, store, metrics)
    except BaseException:
        await store.close()  # e.g. an unreadable certificate: do not leave the store open
        raise


async def _start(settings: MasterSettings, store: Store, metrics: MasterMetrics) -> Master:
    hub = DataHub(
        reconnecting_after_s=settings.reconnecting_after_s,
        offline_after_s=settings.offline_after_s,
        limits=settings.limits,
        changes=ChangeFeed(settings.stream.ring_events, swap_max=settings.stream.swap_events_max),
    )
    for row in await store.clusters.list():
        hub.ensure(row.name)
    metrics.watch_agents(lambda: Counter(hub.status(state) for state in hub.clusters()))
    metrics.watch_store_queue(lambda: store.writer.queued)
    streams = Streams(settings.stream)
    metrics.watch_streams(lambda: streams.figures(hub.changes))
    processor = JournalProcessor(hub, store.journal, metrics)
    link = LinkServer(
        LinkOptions(
            listen=settings.grpc_listen,
            credentials=server_credentials(
                cert_file=settings.tls_cert_file,
                key_file=settings.tls_key_file,
                client_ca_file=settings.tls_client_ca_file,
            ),
            session=SessionConfig(
                heartbeat_interval_s=settings.heartbeat_interval_s,
                journal_batch_max=settings.journal_batch_max,
            ),
            max_message_bytes=settings.max_message_mb * 1024 * 1024,
            max_concurrent_rpcs=settings.grpc_max_concurrent_rpcs,
            failed_hello_burst=settings.grpc_failed_hello_burst,
            failed_hello_refill_s=settings.grpc_failed_hello_refill_s,
        ),
        hub=hub,
        processor=processor,
        tokens=store.clusters,
        hooks=_StoreHooks(store),
    )
    await ensure_admin(store, settings)
    commands = CommandBus(store=store, registry=link.registry, metrics=metrics, changes=hub.changes)
    await commands.load()
    processor.subscribe(commands.observe)
    alerts = _alert_service(settings, store, hub)
    if settings.alerts.enrich_logs:  # the command path as a port: the service imports no bus
        alerts.enricher = LogEnricher(bus_fetch(commands), events=hub_events(hub))
    await alerts.start()
    processor.subscribe(alerts.observe_journal)  # after the store commit: the alerts port
    alert_events = AlertEvents(hub.changes, lambda: alerts.engine)
    alert_events.learn(alerts.clock_ms())  # the restored alerts: nobody missed them
    alerts.on_commit = alert_events.committed  # after each step's commit: the stream's alerts
    slos = SloService(
        store=store,
        settings=settings.slo,
        config_path=settings.slo.config_file or settings.data_dir / "slos.yaml",
        offer=alerts.offer,  # burn-rate signals take the alerts' path: routes, silences
    )
    await slos.start()
    # A second consumer of the findings, beside the alerts (neither knows of the other): the
    # remediation service suggests fixes and runs approved ones through the command bus.
    remediations = RemediationService(
        store=store, hub=hub, bus=commands, settings=settings.remediation
    )
    processor.subscribe(remediations.observe_journal)
    anomalies = (
        AnomalyService(
            store=store,
            hub=hub,
            settings=settings.anomaly,
            offer=alerts.offer,
            on_findings=remediations.observe_findings,  # a predicted OOM gets a suggestion
        )
        if settings.anomaly.enabled
        else None
    )
    gateway = GatewayState(
        hub=hub,
        api_token=settings.api_token.get_secret_value(),
        store=store,
        commands=commands,
        jwt_secret=settings.jwt_secret.get_secret_value(),
        access_ttl_s=settings.access_token_ttl_s,
        refresh_ttl_s=settings.refresh_token_ttl_s,
        metrics=metrics,
        tokens_used=TokenUsage(store),
        oidc=_oidc_client(settings.oidc),
        streams=streams,
        alerts=alerts,
        slos=slos,
        remediations=remediations,
    )
    app = create_app(
        state=gateway,
        body_max_bytes=settings.http_body_max_kib * 1024,
        tls=settings.http_tls_cert_file is not None,
        cors_origins=settings.cors_origins,
        dashboard_dir=settings.dashboard_dir,
    )
    http = _http_server(app, settings)
    http_socket = _bind(settings.http_listen)
    master = Master(
        settings=settings,
        store=store,
        hub=hub,
        processor=processor,
        link=link,
        commands=commands,
        gateway=gateway,
        app=app,
        http=http,
        http_socket=http_socket,
        metrics=metrics,
        alerts=alerts,
        slos=slos,
        anomalies=anomalies,
        remediations=remediations,
    )
    if settings.metrics_listen:
        master.metrics_http = _metrics_server(metrics)
        master.metrics_socket = _bind(settings.metrics_listen)
    master.grpc_port = await link.start()
    gateway.ready.set()
    return master


def _alert_service(settings: MasterSettings, store: Store, hub: DataHub) -> AlertService:
    s = settings.alerts
    return AlertService(
        store=store,
        settings=s,
        config_path=s.config_file or settings.data_dir / "alerting.yaml",
        link_statuses=lambda: {c.name: hub.status(c) for c in hub.clusters()},
        offline_grace_ms=int(settings.offline_after_s * 2_000),
    )


def _oidc_client(s: OidcSettings) -> OidcClient | None:
    """The SSO client, or None when SSO is off. The provider is not called here: a provider
    that is down must not keep the master (and password logins) from starting."""
    if not s.enabled:
        return None
    return OidcClient(
        OidcConfig(
            issuer=s.issuer,
            client_id=s.client_id,
            client_secret=s.client_secret.get_secret_value(),
            redirect_url=s.redirect_url,
            scopes=tuple(s.scopes),
            groups_claim=s.groups_claim,
            username_claim=s.username_claim,
            allowed_groups=tuple(s.allowed_groups),
            auto_create=s.auto_create,
            timeout_s=s.http_timeout_s,
            metadata_ttl_s=s.metadata_ttl_s,
        )
    )


BOOTSTRAP_ADMIN = "admin"


async def ensure_admin(store: Store, settings: MasterSettings) -> None:
    """Create the first admin from the bootstrap password when no active admin exists (like
    Argo CD's initial admin secret). A weak bootstrap password is refused, not used."""
    password = settings.bootstrap_admin_password.get_secret_value()
    users = await store.users.list()
    if not password or any(u.role == Role.ADMIN.label and not u.disabled for u in users):
        return
    if problems := password_problems(BOOTSTRAP_ADMIN, password):
        raise ConfigError(f"MASTER_BOOTSTRAP_ADMIN_PASSWORD {', '.join(problems)}")
    if any(u.username == BOOTSTRAP_ADMIN for u in users):
        return  # demoted or disabled on purpose: not re-created behind the admins' back
    digest = await asyncio.to_thread(hash_password, password)
    await store.users.add(
        BOOTSTRAP_ADMIN,
        password_hash=digest,
        role=Role.ADMIN.label,
        now_ms=now_ms(),
        must_change=True,  # a generated password lives in a Secret: replace it
    )
    log.info("first admin %r created from the bootstrap password", BOOTSTRAP_ADMIN)


async def serve(master: Master, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set, then shut down in phases."""
    settings = master.settings
    alerts_stop = asyncio.Event()
    try:
        async with asyncio.TaskGroup() as tg:
            if master.alerts is not None:
                ports = (master.grpc_port, master.http_port, master.metrics_port)
                master.alerts.own_ports = frozenset(p for p in ports if p)
                tg.create_task(master.alerts.run(alerts_stop), name="alerts")
            if master.slos is not None:
                tg.create_task(master.slos.run(stop), name="slos")
            if master.anomalies is not None:
                tg.create_task(master.anomalies.run(stop), name="anomalies")
            if master.remediations is not None:
                tg.create_task(master.remediations.run(stop), name="remediations")
            http_task = tg.create_task(master.http.serve(sockets=[master.http_socket]), name="http")
            if master.metrics_http is not None and master.metrics_socket is not None:
                sockets = [master.metrics_socket]
                tg.create_task(master.metrics_http.serve(sockets=sockets), name="metrics-http")
            tg.create_task(master.commands.run(stop), name="command-bus")
            tg.create_task(
                revalidate_sessions(master.link.registry, master.store.clusters, stop=stop),
                name="session-tokens",
            )
            tg.create_task(run_maintenance(master.store, settings.store, stop), name="retention")
            tg.create_task(
                watch_clusters(master.hub, every_s=settings.stream.cluster_check_s, stop=stop),
                name="stream-clusters",
            )
            log.info(
                "master ready: gRPC :%d, %s :%d, store %s",
                master.grpc_port,
                "HTTP" if master.http.config.ssl is None else "HTTPS",
                master.http_port,
                settings.effective_store_dsn.split("://")[0],
            )
            await stop.wait()
            log.info("shutting down (grace %.0fs)", settings.shutdown_grace_s)
            master.gateway.ready.clear()
            await master.link.stop(settings.shutdown_grace_s * 0.6)
            await master.processor.drain(settings.shutdown_grace_s * 0.1)
            alerts_stop.set()  # a last step for what the drained commits found
            # Open long-polls answer now (as they are) and event streams end: uvicorn waits
            # for every request in flight, and one waiting for its timeout (or a stream, which
            # never ends by itself) would outlast the grace period. Browsers reconnect to the
            # next master and resume or resync.
            master.commands.release_waiters()
            master.gateway.streams.close_all()
            master.http.should_exit = True
            done, _ = await asyncio.wait({http_task}, timeout=settings.shutdown_grace_s * 0.3)
            if not done:  # a request that outlasts the grace is cut off, not waited for
                log.warning("HTTP requests still open after the grace period: closing them")
                master.http.force_exit = True
                http_task.cancel()
                await asyncio.wait({http_task})  # not awaited: it ends cancelled, by us
            await master.gateway.tokens_used.drain()  # API tokens' last-used writes in flight
            # Last to stop, so the shutdown itself can still be scraped.
            if master.metrics_http is not None:
                master.metrics_http.should_exit = True
    finally:
        await master.store.close()
        log.info("master stopped")


async def run(settings: MasterSettings, stop: asyncio.Event) -> None:
    master = await start(settings)
    await serve(master, stop)
