"""The Store: one engine, one writer task, and the repositories that share them.

Owns the store's composition and lifetime: open (connect, probe, migrate, start the writer) and
close (drain the writer's queue, then dispose the engine). Does not own any query or write
(``repositories``), grouping (``writing``) or housekeeping (``upkeep``)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.engine.opening import Backend, open_engine, open_writer_txn
from master.store.engine.probing import StoreProbe
from master.store.errors import StoreError
from master.store.repositories.alert_history import AlertHistoryRepo
from master.store.repositories.alert_state import AlertStateRepo
from master.store.repositories.api_tokens import ApiTokenRepo
from master.store.repositories.audit import AuditRepo
from master.store.repositories.bindings import BindingRepo
from master.store.repositories.clusters import ClusterRepo
from master.store.repositories.commands import CommandRepo
from master.store.repositories.history import HistoryRepo
from master.store.repositories.journal import JournalRepo
from master.store.repositories.notifications import NotificationRepo
from master.store.repositories.pod_metrics import PodMetricsRepo
from master.store.repositories.remediations import RemediationRepo
from master.store.repositories.sessions import SessionRepo
from master.store.repositories.slo_counts import SloCountsRepo
from master.store.repositories.users import UserRepo
from master.store.schema.migrating import migrate
from master.store.writing.writer import Writer
from master.telemetry.metrics import MasterMetrics
from shared.clock import now_ms

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 10.0  # queued writes get this long to commit on shutdown


class Store:
    """The SQL history store. Build with :meth:`open`; every write goes through one writer."""

    clusters: ClusterRepo
    journal: JournalRepo
    history: HistoryRepo
    pod_metrics: PodMetricsRepo
    commands: CommandRepo
    audit: AuditRepo
    users: UserRepo
    bindings: BindingRepo
    api_tokens: ApiTokenRepo
    sessions: SessionRepo
    alerts: AlertStateRepo
    alert_history: AlertHistoryRepo
    notifications: NotificationRepo
    slo_counts: SloCountsRepo
    remediations: RemediationRepo

    def __init__(
        self, *, engine: AsyncEngine, writer: Writer, backend: Backend, where: str
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.backend: Backend = backend
        self.where = where  # file path or user@host:port/db, for messages
        self.clusters = ClusterRepo(engine, writer)
        self.journal = JournalRepo(engine, writer)
        self.history = HistoryRepo(engine)
        self.pod_metrics = PodMetricsRepo(engine)
        self.commands = CommandRepo(engine, writer)
        self.audit = AuditRepo(engine, writer)
        self.users = UserRepo(engine, writer)
        self.bindings = BindingRepo(engine, writer)
        self.api_tokens = ApiTokenRepo(engine, writer)
        self.sessions = SessionRepo(engine, writer)
        self.alerts = AlertStateRepo(engine, writer)
        self.alert_history = AlertHistoryRepo(engine)
        self.notifications = NotificationRepo(engine, writer)
        self.slo_counts = SloCountsRepo(engine, writer)
        self.remediations = RemediationRepo(engine, writer)
        self._probe = StoreProbe(engine, where=where)

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        queue_max: int = 10_000,
        batch_max: int = 2_000,
        commit_timeout_s: float = 30.0,
        durable: bool = True,
        metrics: MasterMetrics | None = None,
    ) -> Store:
        """Connect to ``dsn``, apply pending migrations and start the writer task.

        ``queue_max``/``batch_max`` are in rows (see ``StoreSettings``); ``durable=False`` is
        ``StoreSettings.lose_acked_on_power_loss`` (see ``engine.opening``). Raises StoreError
        subclasses naming the problem: StoreUnavailable (cannot reach/open), StoreCorrupt (not a
        SQLite database), SchemaTooNew (migrated by a newer Lookout)."""
        opened = await open_engine(dsn, durable=durable)
        engine = opened.engine
        try:
            version = await migrate(engine, now_ms=now_ms())
        except StoreError:
            await engine.dispose()
            raise
        except SQLAlchemyError as e:
            await engine.dispose()
            raise StoreError(f"migrating the store at {opened.where} failed: {e}") from e
        writer = Writer(
            open_writer_txn(opened),
            queue_max=queue_max,
            batch_max=batch_max,
            timeout_s=commit_timeout_s,
            metrics=metrics,
        )
        writer.start()
        store = cls(engine=engine, writer=writer, backend=opened.backend, where=opened.where)
        log.info(
            "history store open: %s %s, schema version %d", opened.backend, opened.where, version
        )
        return store

    async def unavailable(self) -> str | None:
        """None while the store can serve (its writer runs and is not stuck in one commit
        past the commit timeout, and a probe query answers); otherwise why not, for logs."""
        if (why := self.writer.trouble()) is not None:
            return why
        return await self._probe.check()

    async def close(self) -> None:
        """Stop accepting writes, let queued ones commit (bounded), then dispose the engine."""
        await self.writer.close(CLOSE_TIMEOUT_S)
        await self.engine.dispose()
        log.info("history store closed")
