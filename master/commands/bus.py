"""The command bus: the master's side of the command state machine.

    submit ─▶ store (pending) + audit ─▶ registry.send ─▶ sent ─▶ agent reports (journal):
    running ─▶ succeeded | failed | cancelled          deadline passes first ─▶ timed_out

Owns: creating commands (idempotency through the store's unique key: a key reused for a
different type, target, parameters or dry-run is refused with ``IdempotencyConflict``, never
answered with the first command as if it were this one), sending them to the
cluster's live session and re-sending pending/sent ones when a new session appears (agent
reconnect, master restart), deadlines (a command never leaves the master after its deadline;
one already running gets ``RUNNING_GRACE_MS`` for the agent's own report), cancellation,
waking long-poll waiters (and releasing them all when the master shuts down:
``release_waiters``), and the audit entries for request, cancel and outcome.

A request the store could not take in time is answered 503 (StoreBusy), so its command must
never run; if its insert was already in a transaction and commits afterwards, the writer hands
it back (``_late_insert``) and the next tick fails it with :data:`LATE_INSERT_MESSAGE`
(``_fail_late_inserts``): stored and audited, never sent.

Every transition mirrored here (and a new command's first ones) is published to the change
feed (``master.datahub.changes``) as the command's snapshot, from the one place that mirrors
them (``_Active.record``, and ``submit`` for the first), so a live dashboard sees each step.

Deliberately does not own: validation (``requests``), persistence rules (``master.store``: a
terminal state is final), or storing agent reports (the journal commit does that before
``observe`` runs, so ``observe`` only updates memory, wakes waiters and audits).

Memory holds only active commands (bounded by what operators submit within a deadline), each
as the mirror of its stored row and transitions: the answers to ``submit`` and ``wait`` come
from that mirror, because the store already has exactly this and re-reading it cost more than
the rest of a command's round trip (measured in ``bench/commands.py``)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from master.commands.requests import ValidCommand
from master.datahub.changes import ChangeFeed
from master.errors import MasterError, NotFound
from master.ingress.sessions import SessionRegistry, SessionSlot
from master.store import AuditEntry, CommandRow, Store, TransitionRow, command_audit
from master.telemetry.metrics import MasterMetrics
from shared.clock import now_ms
from shared.domain.commands import Command, CommandCancel, CommandState, CommandUpdate
from shared.domain.journal import JournalRecord
from shared.domain.refs import ObjectRef

log = logging.getLogger(__name__)

# A running command past its deadline gets this long for the agent's own verdict (the agent
# stops work at the deadline and reports timed_out itself) before the master gives up on it.
RUNNING_GRACE_MS = 30_000
TICK_S = 0.5  # deadline/re-send check period when nothing wakes the loop earlier
_RESENDABLE = frozenset({CommandState.PENDING, CommandState.SENT})
LATE_INSERT_MESSAGE = (
    "the request timed out in the store (HTTP 503) before this command was recorded, so it "
    "was never sent and will not run; submit it again (with a new idempotency key)"
)


class CommandConflict(MasterError):
    """The command is in a state that does not allow the operation (HTTP 409)."""


class IdempotencyConflict(CommandConflict):
    """The idempotency key was used before for a different request (HTTP 409, as its base):
    a retry must repeat the request it retries."""


@dataclass(frozen=True, slots=True)
class CommandSnapshot:
    """A command as stored: its row and its transitions, oldest first."""

    row: CommandRow
    transitions: tuple[TransitionRow, ...]


@dataclass(slots=True)
class _Active:
    row: CommandRow  # mirrors the stored row: replaced whenever a committed change lands
    transitions: list[TransitionRow]
    sent_to: str = ""  # session id the command was last queued on ("" = not yet)
    cancel_requested: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    feed: ChangeFeed | None = None  # where each transition is published

    def announce(self) -> None:
        """Publish the command as it is now (its every transition lands here)."""
        if self.feed is not None:
            row = self.row
            namespace = parse_target(row.target).namespace
            self.feed.publish(
                "command", cluster=row.cluster, namespace=namespace, op="", subject=self.snapshot()
            )

    @property
    def state(self) -> CommandState:
        return self.row.state

    def record(self, state: CommandState, at_ms: int, message: str, **row: Any) -> None:
        """Mirror a committed transition (``row``: the other columns it changed)."""
        self.transitions.append(TransitionRow(self.row.id, state, at_ms, message))
        self.row = replace(self.row, state=state, updated_ms=at_ms, message=message, **row)
        self.changed.set()
        self.announce()

    def snapshot(self) -> CommandSnapshot:
        return CommandSnapshot(self.row, tuple(self.transitions))


def target_text(ref: ObjectRef) -> str:
    return str(ref)


def parse_target(text: str) -> ObjectRef:
    parts = text.split("/")
    if len(parts) == 3:
        return ObjectRef(kind=parts[0], namespace=parts[1], name=parts[2])
    kind, _, name = text.partition("/")
    return ObjectRef(kind=kind, name=name)


def to_command(row: CommandRow, *, at_ms: int) -> Command:
    """The frame for ``row`` sent at ``at_ms``: the deadline also as the budget left, which
    the agent counts on its own clock (its clock may differ from ours)."""
    return Command(
        id=row.id,
        type=row.type,
        target=parse_target(row.target),
        params_json=row.params_json,
        dry_run=row.dry_run,
        deadline_ms=row.deadline_ms,
        idempotency_key=row.idempotency_key,
        budget_ms=max(1, row.deadline_ms - at_ms) if row.deadline_ms else 0,
    )


def _differences(stored: CommandRow, requested: CommandRow) -> str | None:
    """What of ``requested`` differs from the command its idempotency key already names
    (None: a true retry). Parameters compare as normalised JSON (``requests.validate``)."""
    fields = ("type", "target", "params_json", "dry_run")
    differs = [f for f in fields if getattr(stored, f) != getattr(requested, f)]
    return " and ".join(f.removesuffix("_json") for f in differs) or None


def _sent_message(slot: SessionSlot | None) -> str:
    return "" if slot is None else f"session {slot.session_id}"


def _audit_entry(
    row: CommandRow, *, actor: str, action: str, outcome: str, reason: str = ""
) -> AuditEntry:
    return command_audit(
        command_id=row.id,
        type_=row.type,
        params_json=row.params_json,
        dry_run=row.dry_run,
        cluster=row.cluster,
        target=row.target,
        actor=actor,
        action=action,
        outcome=outcome,
        at_ms=now_ms(),
        reason=reason,
    )


class CommandBus:
    def __init__(
        self,
        *,
        store: Store,
        registry: SessionRegistry,
        metrics: MasterMetrics | None = None,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._store = store
        self._changes = changes
        self._metrics = metrics or MasterMetrics()
        self._registry = registry
        self._active: dict[str, _Active] = {}
        self._wake = asyncio.Event()
        self._loaded = False
        self._releasing = False  # shutting down: waits answer at once (``release_waiters``)
        self._late: list[CommandRow] = []  # inserted after their request gave up: to fail

    async def load(self) -> int:
        """Adopt the store's unfinished commands (after a master restart); returns how many.
        ``run`` calls it unless the composition root already did (before serving HTTP)."""
        self._loaded = True
        for row in await self._store.commands.active():
            history = await self._store.commands.transitions(row.id)
            self._active[row.id] = _Active(row, history, feed=self._changes)
        if self._active:
            log.info("command bus resumed %d unfinished commands", len(self._active))
        self._wake.set()
        return len(self._active)

    # -- operations (called by the HTTP routes) ---------------------------------------------

    def connected(self, cluster: str) -> bool:
        """Whether the cluster's agent has a live session (a command would go out now)."""
        return self._registry.live(cluster) is not None

    async def submit(
        self, cluster: str, cmd: ValidCommand, *, actor: str
    ) -> tuple[CommandSnapshot, bool]:
        """Create a command; ``(command, False)`` when the idempotency key was already used
        (the first command comes back and nothing new runs)."""
        now = now_ms()
        row = CommandRow(
            id=uuid.uuid4().hex,
            cluster=cluster,
            type=cmd.type,
            target=target_text(cmd.target),
            params_json=cmd.params_json,
            dry_run=cmd.dry_run,
            idempotency_key=cmd.idempotency_key,
            state=CommandState.PENDING,
            created_ms=now,
            updated_ms=now,
            deadline_ms=now + int(cmd.timeout_s * 1000),
            requested_by=actor,
        )
        # With a live session "sent" commits together with the command and its audit entry:
        # one transaction, and still before the frame leaves (so the agent's "running" can
        # never be overwritten by it).
        slot = self._registry.live(cluster)
        stored, created = await self._store.commands.insert(
            row,
            audit=_audit_entry(row, actor=actor, action="command.request", outcome="accepted"),
            sent_at_ms=None if slot is None else now,
            sent_message=_sent_message(slot),
            on_late=self._late_insert,
        )
        if not created:
            if (differs := _differences(stored, row)) is not None:
                raise IdempotencyConflict(
                    f"idempotency key {cmd.idempotency_key!r} was used for command {stored.id}, "
                    f"which has a different {differs}; use a new key for a new request"
                )
            return await self.snapshot(stored.id), False
        history = [TransitionRow(row.id, CommandState.PENDING, now, "")]
        if stored.state is CommandState.SENT:
            history.append(TransitionRow(row.id, CommandState.SENT, now, _sent_message(slot)))
        entry = _Active(stored, history, feed=self._changes)
        self._active[stored.id] = entry
        entry.announce()
        await self._dispatch(entry, now)
        return entry.snapshot(), True

    async def get(self, command_id: str) -> CommandRow:
        row = await self._store.commands.get(command_id)
        if row is None:
            raise NotFound(f"unknown command {command_id!r}")
        return row

    async def cancel(self, command_id: str, *, actor: str) -> CommandSnapshot:
        row = await self.get(command_id)
        entry = self._active.get(command_id)
        if row.state.terminal or entry is None:
            raise CommandConflict(f"command {command_id} is already {row.state.value}")
        await self._audit(row, actor=actor, action="command.cancel", outcome="requested")
        entry.cancel_requested = True
        self._registry.send(row.cluster, CommandCancel(id=command_id, reason=f"by {actor}"))
        if entry.state in _RESENDABLE:
            # Not started on the agent (as far as we know): final now. The agent also drops
            # it if the cancel overtakes nothing, and its own late report cannot reopen it.
            await self._finish(entry, CommandState.CANCELLED, f"cancelled by {actor}")
        return entry.snapshot()

    async def snapshot(self, command_id: str) -> CommandSnapshot:
        """The command with its transitions: from memory while active, else from the store."""
        entry = self._active.get(command_id)
        if entry is not None:
            return entry.snapshot()
        row = await self.get(command_id)
        return CommandSnapshot(row, tuple(await self._store.commands.transitions(command_id)))

    async def wait(self, command_id: str, timeout_s: float) -> CommandSnapshot:
        """The command once terminal, or as it is when ``timeout_s`` passes."""
        # Take the in-memory entry before any await: a report arriving in between would
        # retire it, and the entry (not the table of active ones) holds its final state.
        entry = self._active.get(command_id)
        if entry is None:
            return await self.snapshot(command_id)
        try:
            async with asyncio.timeout(timeout_s):
                while not entry.state.terminal and not self._releasing:
                    entry.changed.clear()
                    await entry.changed.wait()
        except TimeoutError:
            pass
        return entry.snapshot()

    def release_waiters(self) -> None:
        """End every long-poll now and any later one at once, each answering the command as
        it is: the composition root calls this when shutdown begins, so the HTTP server is not
        left waiting on requests that would otherwise hold it until their timeout."""
        self._releasing = True
        for entry in self._active.values():
            entry.changed.set()

    # -- agent reports (subscribed to the journal processor) --------------------------------

    async def observe(self, cluster: str, records: Sequence[JournalRecord]) -> None:
        for rec in records:
            body = rec.body
            if not isinstance(body, CommandUpdate):
                continue
            entry = self._active.get(body.command_id)
            if entry is None or entry.row.cluster != cluster:
                continue  # already final here, or another cluster's id (the store refused it)
            # The journal commit already stored it, with the outcome's audit entry (terminal
            # is final there too, and a terminal entry is no longer here): mirror and wake.
            entry.record(
                body.state,
                body.at_ms,
                body.message,
                result_json=body.result_json,
                error_code=body.error_code,
            )
            if body.state.terminal:
                self._forget(entry)

    # -- the loop: deadlines and (re)sending -------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        if not self._loaded:
            await self.load()
        while not stop.is_set():
            try:
                await self.tick(now_ms())
            except asyncio.CancelledError:
                raise
            except Exception:
                # A store hiccup must not kill the loop; the next tick retries.
                log.exception("command bus tick failed")
            self._wake.clear()
            try:
                async with asyncio.timeout(TICK_S):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def tick(self, now: int) -> None:
        await self._fail_late_inserts()
        for entry in list(self._active.values()):
            if entry.state.terminal:
                continue
            grace = RUNNING_GRACE_MS if entry.state is CommandState.RUNNING else 0
            if now >= entry.row.deadline_ms + grace:
                self._registry.send(entry.row.cluster, CommandCancel(entry.row.id, "deadline"))
                await self._finish(
                    entry, CommandState.TIMED_OUT, "deadline passed", error_code="deadline"
                )
            elif entry.state in _RESENDABLE and not entry.cancel_requested:
                await self._dispatch(entry, now)

    async def _dispatch(self, entry: _Active, now: int) -> None:
        """Send if the cluster has a live session this command was not yet queued on."""
        slot = self._registry.live(entry.row.cluster)
        if slot is None or slot.session_id == entry.sent_to or now >= entry.row.deadline_ms:
            return
        if entry.state is CommandState.PENDING:
            # Persist "sent" before the frame leaves, so the agent's "running" (which comes
            # through the same store writer later) can never be overwritten by it.
            message = _sent_message(slot)
            if await self._store.commands.transition(
                entry.row.id, CommandState.SENT, at_ms=now, message=message
            ):
                entry.record(CommandState.SENT, now, message)
        if self._registry.send(entry.row.cluster, to_command(entry.row, at_ms=now_ms())):
            entry.sent_to = slot.session_id
            log.info("command %s (%s) sent to %s", entry.row.id, entry.row.type, entry.row.cluster)

    async def _finish(
        self, entry: _Active, state: CommandState, message: str, *, error_code: str = ""
    ) -> None:
        at = now_ms()
        outcome = _audit_entry(
            entry.row,
            actor=entry.row.requested_by,
            action="command.finish",
            outcome=state.value,
            reason=message,
        )
        changed = await self._store.commands.transition(
            entry.row.id, state, at_ms=at, message=message, error_code=error_code, audit=outcome
        )
        if changed:
            entry.record(state, at, message, error_code=error_code)
            self._forget(entry)
        else:  # the agent's verdict got there first; observe() handles it
            current = await self._store.commands.get(entry.row.id)
            if current is not None and current.state.terminal:
                entry.row = current
                self._forget(entry)

    # -- inserts that committed after their request had given up ---------------------------

    def _late_insert(self, result: tuple[CommandRow, bool]) -> None:
        """The writer's hook (on the loop) for an insert that committed after ``submit`` had
        raised StoreBusy: the requester was told it failed, so it is failed, never sent."""
        row, created = result
        if created and row.id not in self._active:
            log.warning("command %s was stored after its request had timed out", row.id)
            self._late.append(row)
            self._wake.set()

    async def _fail_late_inserts(self) -> None:
        """Fail the late-stored commands; one that cannot be failed yet (the store is still
        busy) stays queued for the next tick, and is never sent meanwhile (not active)."""
        while self._late:
            entry = _Active(self._late[0], [], feed=self._changes)
            await self._finish(
                entry, CommandState.FAILED, LATE_INSERT_MESSAGE, error_code="store_timeout"
            )
            self._late.pop(0)

    def _forget(self, entry: _Active) -> None:
        row = entry.row
        self._metrics.command_finished(
            row.type, entry.state.value, created_ms=row.created_ms, now=now_ms()
        )
        entry.changed.set()
        self._active.pop(entry.row.id, None)

    async def _audit(self, row: CommandRow, *, actor: str, action: str, outcome: str) -> None:
        entry = _audit_entry(row, actor=actor, action=action, outcome=outcome)
        await self._store.audit.write(entry)

    @property
    def active_count(self) -> int:
        return len(self._active)
