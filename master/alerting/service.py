"""The alert service: one asyncio task owns the AlertEngine, so its state needs no lock.

Every change goes through the bounded queue — findings (``observe_journal``, the processor's
observer, called after its store commit), link states (polled from the DataHub every
``link_poll_s``), and API calls (``call``: ack, silences, config) — and is followed by one
*step*: ``engine.due(now)``, then the changed rows, the silences touched and the outbox rows
for the notifications decided, all in ONE store transaction. ``due`` changes the engine's
state (group logs), so when that transaction fails the engine is rebuilt from the last
committed state and the step's events are observed again: nothing is treated as sent that was
not queued. At start the state is restored from the store, so a restart neither forgets a
firing alert nor notifies it again.

After a step committed, ``on_commit(now_ms, fingerprints)`` is told which alert rows it wrote
(the live stream's alert events, wired by ``master.app``); a step that failed is not told.

A firing notification may be enriched (``enricher``, a port the composition root wires to the
command path, see ``master.alerting.enrich``): by the worker, before a row's first send, the
result written back to the leased row, so the step's transaction never waits on a cluster.

The notify Worker drains the store outbox beside it, woken through ``deliveries`` when a step
queued rows (or an admin retried a dead letter), so a new notification does not wait for its
poll. The rows a step queues that the worker has room for are written leased in the step's
transaction and handed straight to it, without a claim of their own (a master that dies before
sending them re-sends them once their lease ends, as it does a send cut short). Its attempts
are logged through a bounded queue to the notification log.

Deliberately not here: alert judgement (``master.alerts``), channels (``master.notify``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from master.alerting import configfile
from master.alerting.attempts import AttemptLogWriter
from master.alerting.configfile import LoadedConfig
from master.alerting.configwatch import ConfigWatch
from master.alerting.node_thresholds import NodeThresholds
from master.alerting.outbox import StoreOutbox
from master.alerting.payloads import to_payload
from master.alerting.settings import AlertSettings
from master.alerting.steps import snapshot, step_of
from master.alerts.engine import AlertEngine, AlertView
from master.alerts.events import AlertSignal, Event, FindingEvent, LinkEvent
from master.alerts.silences import Silence
from master.datahub.status import LinkStatus
from master.notify.channels import SendContext
from master.notify.delivery import RetryPolicy
from master.notify.message import Attachment, Notification
from master.notify.outbox import Delivery
from master.notify.posting import new_client
from master.notify.safety import OutboundPolicy
from master.notify.testsend import synthetic_notification
from master.notify.worker import Worker, send_notification
from master.store import Store, StoreBusy
from master.store.repositories.notifications import OutboxLease, OutboxWritten
from shared.clock import now_ms
from shared.domain.journal import FindingBatch, JournalRecord, NodeMetricsBatch
from shared.logs import RateLimited

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH_MAX = 1_000  # events per step: bounds one transaction
CALL_TIMEOUT_S = 30.0
FAILED_STEP_PAUSE_S = 1.0
PAUSED_LOG_EVERY_S = 300.0
# Told after each committed step: its clock and the fingerprints of the alert rows it wrote.
StepObserver = Callable[[int, Set[str]], None]
# The attachments for a notification (its row's idempotency key names the commands it runs).
Enricher = Callable[[Notification, str], Awaitable[tuple[Attachment, ...]]]


@dataclass(slots=True)
class _Call(Generic[T]):
    fn: Callable[[AlertEngine, int], T]
    future: asyncio.Future[T]
    silences: Callable[[T], Sequence[Silence]] = lambda _r: ()


@dataclass(slots=True)
class AlertService:
    store: Store
    settings: AlertSettings
    config_path: Path
    link_statuses: Callable[[], Mapping[str, LinkStatus]] = dict
    clock_ms: Callable[[], int] = now_ms
    offline_grace_ms: int = 60_000  # a cluster not heard since start counts as offline after
    own_ports: frozenset[int] = frozenset()
    loaded: LoadedConfig = field(default_factory=configfile.default)
    on_commit: StepObserver | None = None
    enricher: Enricher | None = None
    engine: AlertEngine = field(init=False)
    _nodes: NodeThresholds = field(init=False)  # node-metric thresholds and their `for` clocks
    queue: asyncio.Queue[Event | _Call[Any]] = field(init=False)
    deliveries: asyncio.Event = field(default_factory=asyncio.Event)
    started_ms: int = 0
    next_wake_ms: int | None = None
    steps_failed: int = 0
    _links: dict[str, LinkStatus] = field(default_factory=dict)
    _config: ConfigWatch = field(init=False)
    _logs: AttemptLogWriter = field(init=False)
    _outbox: StoreOutbox = field(init=False)
    _sender: Worker | None = None  # the notify worker running now
    _context: SendContext = field(default_factory=SendContext)
    # Events of a step whose save failed, to observe again once the engine is rebuilt from the
    # store; None while the engine is the committed state plus what is queued.
    _replay: list[Event] | None = None

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.settings.queue_max)
        self._config = ConfigWatch(self.config_path, poll_s=self.settings.config_poll_s)
        self._logs = AttemptLogWriter(self.store)
        lease_ms = int(self.settings.lease_s * 1000)
        self._outbox = StoreOutbox(self.store.notifications, self.clock_ms, lease_ms)
        self.engine = AlertEngine(self.loaded.config)
        self._nodes = NodeThresholds(self.loaded.config.node_metrics)

    # -- start -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Read the config (a bad file is a ConfigError) and restore the saved state."""
        self.loaded = await self._config.read_at_start()
        self._nodes.spec = self.loaded.config.node_metrics
        await self._restore()
        self.started_ms = self.clock_ms()
        log.info(
            "alerts: %d alert(s) and %d group(s) restored, config %s",
            len(self.engine.alerts),
            len(self.engine.groups),
            self.loaded.source,
        )

    async def _restore(self) -> None:
        rows = await self.store.alerts.load()
        if rows.alerts or rows.groups or rows.silences or rows.noise:
            self.engine = AlertEngine.restore(self.loaded.config, snapshot(rows))
        else:
            self.engine = AlertEngine(self.loaded.config)
        self.next_wake_ms = self.clock_ms()  # one step at once: timers that came meanwhile

    # -- inputs ------------------------------------------------------------------------------

    async def observe_journal(self, cluster: str, records: Sequence[JournalRecord]) -> None:
        """The processor's observer (after its store commit). Waits when the queue is full,
        so back-pressure reaches the agents' acks instead of dropping a finding."""
        at = self.clock_ms()
        for rec in records:
            if isinstance(rec.body, FindingBatch):
                for f in rec.body.findings:
                    await self.queue.put(FindingEvent(cluster, f, at))
            elif isinstance(rec.body, NodeMetricsBatch):
                for sample in rec.body.samples:
                    for sig in self._nodes.observe(cluster, sample, at_ms=at):
                        await self.queue.put(sig)

    async def offer(self, signals: Sequence[AlertSignal]) -> None:
        """The port of the other alert sources (SLO burn rates): like findings, a full queue
        makes the caller wait rather than lose a signal."""
        for sig in signals:
            await self.queue.put(sig)

    async def call(
        self,
        fn: Callable[[AlertEngine, int], T],
        *,
        silences: Callable[[T], Sequence[Silence]] = lambda _r: (),
    ) -> T:
        """Run ``fn(engine, now)`` on the service's task; returns once its effect committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                await self.queue.put(_Call(fn, future, silences))
                return await future
        except TimeoutError as e:
            # The store's own "not committed in time": the API answers 503 with Retry-After.
            raise StoreBusy(
                f"the alert service did not commit this within {CALL_TIMEOUT_S:g} s"
            ) from e

    def request_reload(self) -> None:
        self._config.request_reload()

    # -- the loop ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Engine steps, delivery and the attempt log until ``stop``; a last step first."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        try:
            async with new_client() as http, asyncio.TaskGroup() as tg:
                self._context = SendContext(
                    policy=OutboundPolicy(
                        own_ports=self.own_ports,
                        allowed_own_ports=frozenset(self.settings.allowed_own_ports),
                    ),
                    http=http,
                )
                worker = tg.create_task(self._deliver(), name="alerts-notify-worker")
                logs = tg.create_task(self._logs.run(), name="alerts-notification-log")
                await self._loop(stop)
                worker.cancel()
                await self._logs.flush()
                logs.cancel()
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)

    def _worker(self) -> Worker:
        s = self.settings
        return Worker(
            outbox=self._outbox,
            receivers=lambda name: self.loaded.receivers.get(name),
            clock_ms=self.clock_ms,
            sleep=asyncio.sleep,
            rng=random.Random(),
            policy=RetryPolicy(
                base_ms=int(s.retry_base_s * 1000),
                cap_ms=int(s.retry_cap_s * 1000),
                dead_after_ms=int(s.dead_after_s * 1000),
            ),
            context=self._context,
            on_attempt=self._logs.record,
            poll_interval_s=1.0,
            wakeup=self.deliveries,
            enrich=self._enrich if self.enricher is not None else None,
        )

    async def _enrich(self, d: Delivery) -> Delivery:
        """``d`` with its enrichment, written to its row (leased by this worker) before the
        send: a retry then carries the same attachments without fetching them again. A row
        that could not be updated is still sent enriched this once."""
        if self.enricher is None:
            return d
        found = await self.enricher(d.notification, d.notification.idempotency_key)
        if not found:
            return d
        n = replace(d.notification, attachments=found)
        try:
            await self.store.notifications.set_payload(
                int(d.id), to_payload(n), now_ms=self.clock_ms()
            )
        except Exception as e:
            log.warning("alerts: could not save the enrichment of notification %s: %s", d.id, e)
        return replace(d, notification=n)

    async def _deliver(self) -> None:
        """The worker, restarted after a store failure (a lost database must not stop the
        master: the rows wait in the outbox, leased ones come back when their lease ends).
        Restarts come every second while the store is away; the pause is logged once per
        ``PAUSED_LOG_EVERY_S`` (the store's probe already logs the outage and its end)."""
        paused = RateLimited(every_s=PAUSED_LOG_EVERY_S)
        while True:
            try:
                self._sender = self._worker()
                await self._sender.run()
            except Exception as e:
                if paused.ready(time.monotonic()):
                    log.warning(
                        "alerts: notification delivery paused, the store failed: %s "
                        "(%d restarts since the last such line)",
                        _innermost(e),
                        paused.take_suppressed(),
                    )
                await asyncio.sleep(FAILED_STEP_PAUSE_S)

    async def _loop(self, stop: asyncio.Event) -> None:
        while True:
            stopping = stop.is_set()
            if self._replay is not None and not await self._recover():
                if stopping:
                    return  # the store is gone: what was not saved is lost with it
                await asyncio.sleep(FAILED_STEP_PAUSE_S)
                continue
            items = await self._next_items(0 if stopping else self._timeout_s())
            now = self.clock_ms()
            events = [i for i in items if not isinstance(i, _Call)]
            events += self._link_events(now)
            await self._maybe_reload(now)
            calls = [i for i in items if isinstance(i, _Call)]
            await self._step(now, events, calls, hand_off=not stopping)
            if stopping and self.queue.empty():
                return

    async def _recover(self) -> bool:
        """Rebuild the engine from the last committed state and observe the unsaved events
        again (the next step saves them); False while the store still fails."""
        try:
            await self._restore()
        except Exception as e:
            log.warning("alerts: cannot rebuild the alert state from the store yet: %s", e)
            return False
        for ev in self._replay or []:
            self.engine.observe(ev)
        self._replay = None
        log.info("alerts: state rebuilt from the store")
        return True

    def _timeout_s(self) -> float:
        now = self.clock_ms()
        s = self.settings
        limit = min(s.link_poll_s, s.config_poll_s)
        if self.next_wake_ms is not None:
            limit = min(limit, max(0.0, (self.next_wake_ms - now) / 1000))
        return limit

    async def _next_items(self, timeout_s: float) -> list[Event | _Call[Any]]:
        items: list[Event | _Call[Any]] = []
        if self.queue.empty() and timeout_s > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    items.append(await self.queue.get())
        while len(items) < BATCH_MAX and not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items

    def _link_events(self, now: int) -> list[Event]:
        """ClusterOffline follows the DataHub's link state. A cluster this process has not
        heard since it started counts as offline only after ``offline_grace_ms``: right after a
        master restart every agent is still reconnecting, and that is no outage."""
        out: list[Event] = []
        for cluster, status in sorted(self.link_statuses().items()):
            before = self._links.get(cluster)
            if status == before:
                continue
            recent = now - self.started_ms < self.offline_grace_ms
            if before is None and status != "connected" and recent:
                continue
            self._links[cluster] = status
            out.append(LinkEvent(cluster, status, now))
        return out

    async def _maybe_reload(self, now: int) -> None:
        loaded = await self._config.changed(now, self.loaded)
        if loaded is not None:
            self.adopt(loaded)

    def adopt(self, loaded: LoadedConfig) -> None:
        """Run ``loaded`` from now on (state kept; groups re-keyed at the next step)."""
        self.engine.reconfigure(loaded.config)
        self._nodes.spec = loaded.config.node_metrics  # pending clocks kept
        self.loaded = loaded
        self.next_wake_ms = self.clock_ms()
        log.info("alerts: config %s in force", loaded.source)

    # -- a step ------------------------------------------------------------------------------

    async def _step(
        self, now: int, events: list[Event], calls: list[_Call[Any]], *, hand_off: bool = True
    ) -> None:
        if not events and not calls and (self.next_wake_ms is None or now < self.next_wake_ms):
            return
        for e in events:
            self.engine.observe(e)
        results: list[tuple[_Call[Any], object, BaseException | None]] = []
        touched: list[Silence] = []
        for c in calls:
            if c.future.done():
                continue  # its caller gave up (and was told so): never applied behind its back
            try:
                r = c.fn(self.engine, now)
            except Exception as e:  # the caller's error (unknown alert, bad silence)
                results.append((c, None, e))
            else:
                results.append((c, r, None))
                touched += c.silences(r)
        due = self.engine.due(now)
        changes = self.engine.take_changes()
        step = step_of(
            self.engine, due, changes, touched, self.loaded.receivers, self.settings.external_url
        )
        rows = step.outbox
        # Rows the worker has room for are written leased and handed to it after the commit:
        # a claim, a transaction of its own, between transition and send costs latency. Not
        # while stopping: the worker is cancelled next, and a row leased for nobody would
        # wait out its lease after the restart.
        sender = self._sender if hand_off else None
        reserved = sender.reserve(len(rows)) if sender is not None and rows else 0
        lease = OutboxLease(reserved, now + self._outbox.lease_ms) if reserved else None
        written = OutboxWritten([], [])
        try:
            if not step.empty:
                written = await self.store.alerts.save_leasing(step, now_ms=now, lease=lease)
        except Exception as e:
            if sender is not None:
                sender.offer([], reserved=reserved)
            self.steps_failed += 1
            log.error("alerts: saving a step failed; the state is rebuilt from the store: %s", e)
            for c, _, _ in results:
                if not c.future.done():
                    c.future.set_exception(e)
            self._replay = [*(self._replay or []), *events]
            await asyncio.sleep(FAILED_STEP_PAUSE_S)
            return
        self.next_wake_ms = due.next_wake_ms
        if sender is not None and reserved:
            sender.offer(self._outbox.leased(written.leased, now), reserved=reserved)
        self._committed(now, changes.alerts.keys() | changes.deleted_alerts)
        if rows:
            self.deliveries.set()
        for c, r, err in results:
            if c.future.done():
                continue
            if err is not None:
                c.future.set_exception(err)
            else:
                c.future.set_result(r)

    def _committed(self, now: int, fingerprints: Set[str]) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit(now, fingerprints)
        except Exception:  # an observer's bug must not stop the alerts
            log.exception("alerts: the step observer failed")

    # -- what the API uses -------------------------------------------------------------------

    def view(self) -> list[AlertView]:
        return self.engine.view(self.clock_ms())

    async def acknowledge(self, fingerprint: str, *, by: str) -> None:
        await self.call(lambda e, now: e.acknowledge(fingerprint, by=by, at_ms=now))

    async def unacknowledge(self, fingerprint: str) -> None:
        await self.call(lambda e, _now: e.unacknowledge(fingerprint))

    async def add_silence(
        self,
        *,
        matchers: Sequence[str],
        starts_at_ms: int | None,
        ends_at_ms: int,
        created_by: str,
        comment: str,
    ) -> Silence:
        def add(e: AlertEngine, now: int) -> Silence:
            s = Silence.make(
                id=uuid.uuid4().hex,
                matchers=matchers,
                starts_at_ms=now if starts_at_ms is None else starts_at_ms,
                ends_at_ms=ends_at_ms,
                created_by=created_by,
                comment=comment,
                created_at_ms=now,
            )
            e.add_silence(s)
            return s

        return await self.call(add, silences=lambda s: [s])

    async def expire_silence(self, silence_id: str) -> Silence:
        return await self.call(
            lambda e, now: e.expire_silence(silence_id, now_ms=now), silences=lambda s: [s]
        )

    async def replace_config(self, text: str) -> LoadedConfig:
        """Validate, write the file, and run it; raises AlertConfigError (nothing changed), or
        Conflict when the file is mounted read-only: the running config is kept."""
        loaded = await self._config.replace(text)
        await self.call(lambda _e, _now: self.adopt(loaded))
        return loaded

    def validate(self, text: str) -> LoadedConfig:
        return self._config.validate(text)

    async def test_send(self, name: str) -> int:
        """A synthetic notification to ``name`` (a notify receiver); returns the peer's
        status; raises KeyError for an unknown receiver and SendFailed for a failed send."""
        receiver = self.loaded.receivers.get(name)
        if receiver is None:
            raise KeyError(name)
        now = self.clock_ms()
        n = synthetic_notification(
            name, now_ms=now, language=receiver.language, external_url=self.settings.external_url
        )
        return await send_notification(receiver, n, now_ms=now, context=self._context)


def _innermost(e: BaseException) -> BaseException:
    """The first leaf of a TaskGroup's ExceptionGroup: the store's own error, not
    "unhandled errors in a TaskGroup"."""
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    return e
