"""Commands and their transitions, as the command bus persists them and agents report them.

The bus owns the state machine; this module stores it, with one rule of its own: a terminal
state is final (a late report cannot reopen a command), though every report is kept as a
transition row for the audit trail. The rule holds on both paths: the bus's transitions
(``CommandRepo.transition``) and agents' updates arriving in a journal commit
(:func:`apply_agent_updates`, called by ``journal_commit``'s batch in the same transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.engine import driver
from master.store.engine.driver import Prepared
from master.store.repositories.audit import AuditEntry, command_audit, write_audit
from master.store.repositories.conversions import MESSAGE_MAX, clip
from master.store.repositories.rows import CommandRow, TransitionRow
from master.store.schema.tables import command_transitions, commands
from master.store.writing.writer import Writer
from shared.domain.commands import TERMINAL_STATES, CommandState, CommandUpdate
from shared.wire.payloads import command_result

log = logging.getLogger(__name__)

_ACTIVE = [s.value for s in CommandState if s not in TERMINAL_STATES]

# The hot writes (one per request, each transition, agents' updates), prepared for the driver.
_insert_command = Prepared(insert(commands))
_insert_transition = Prepared(insert(command_transitions))
_select_by_key = Prepared(
    select(commands).where(
        commands.c.cluster == bindparam("cluster"),
        commands.c.idempotency_key == bindparam("key"),
    )
)
_select_state = Prepared(select(commands.c.state).where(commands.c.id == bindparam("id")))
_update_state = Prepared(update(commands).where(commands.c.id == bindparam("b_id")))
_c = commands.c
_select_for_update = Prepared(
    select(
        _c.id, _c.cluster, _c.state, _c.type, _c.params_json, _c.dry_run, _c.target,
        _c.requested_by,
    ).where(_c.id == bindparam("id"))
)  # fmt: skip
# Column positions in ``_select_for_update``'s rows.
_ID, _CLUSTER, _STATE, _TYPE, _PARAMS, _DRY_RUN, _TARGET, _BY = range(8)
_COLUMNS = [c.name for c in commands.columns]


def _row(r: Mapping[Any, Any]) -> CommandRow:
    return CommandRow(
        id=r["id"],
        cluster=r["cluster"],
        type=r["type"],
        target=r["target"],
        params_json=r["params_json"].encode(),
        dry_run=bool(r["dry_run"]),
        idempotency_key=r["idempotency_key"] or "",
        state=CommandState(r["state"]),
        created_ms=r["created_ms"],
        updated_ms=r["updated_ms"],
        deadline_ms=r["deadline_ms"],
        requested_by=r["requested_by"],
        # Checked at ingress since issue 14; rows stored before then may hold anything.
        result_json=command_result(r["result_json"].encode()),
        error_code=r["error_code"],
        message=r["message"],
    )


class CommandRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def insert(
        self,
        command: CommandRow,
        *,
        audit: AuditEntry | None = None,
        sent_at_ms: int | None = None,
        sent_message: str = "",
        on_late: Callable[[tuple[CommandRow, bool]], None] | None = None,
    ) -> tuple[CommandRow, bool]:
        """Store a new command and its first transition; returns ``(row, True)``.

        If the cluster already has a command with the same non-empty idempotency key, nothing
        is written and ``(existing_row, False)`` comes back, so a retried HTTP request does not
        run a command twice (the bus compares the two and refuses a key reused for another
        request).

        ``audit`` and ``sent_at_ms`` (the command leaves at once: record ``sent`` too) commit in
        the same transaction, so one request costs one group-commit slot instead of three and
        a crash cannot leave a command without its audit entry.

        ``on_late`` gets the result if the insert commits after this call gave up with
        StoreBusy (see ``master.store.writing.writer``)."""

        def work(conn: Connection) -> tuple[CommandRow, bool]:
            existing = _by_idempotency_key(conn, command)
            if existing is not None:
                return existing, False
            row = command
            steps = [_transition(command.id, command.state, command.created_ms, command.message)]
            if sent_at_ms is not None:
                row = replace(command, state=CommandState.SENT, updated_ms=sent_at_ms)
                steps.append(_transition(command.id, CommandState.SENT, sent_at_ms, sent_message))
            driver.execute(conn, _insert_command, _command_values(row))
            driver.executemany(conn, _insert_transition, steps)
            if audit is not None:
                write_audit(conn, audit)
            return row, True

        return await self._writer.run(work, on_late=on_late)

    async def transition(
        self,
        command_id: str,
        state: CommandState,
        *,
        at_ms: int,
        message: str = "",
        result_json: bytes = b"",
        error_code: str = "",
        audit: AuditEntry | None = None,
    ) -> bool:
        """Move a command to ``state``; returns False (and changes nothing but the transition
        log) if the command is unknown or already terminal. ``audit`` commits with the change,
        and only if there was one."""

        def work(conn: Connection) -> bool:
            current = driver.fetch_one(conn, _select_state, {"id": command_id})
            if current is None:
                return False
            driver.execute(conn, _insert_transition, _transition(command_id, state, at_ms, message))
            if CommandState(current[0]).terminal:
                return False
            driver.execute(
                conn,
                _update_state,
                _state_values(
                    command_id,
                    state=state,
                    at_ms=at_ms,
                    message=message,
                    result_json=result_json,
                    error_code=error_code,
                ),
            )
            if audit is not None:
                write_audit(conn, audit)
            return True

        return await self._writer.run(work)

    async def get(self, command_id: str) -> CommandRow | None:
        async with self._engine.connect() as conn:
            r = (
                (await conn.execute(select(commands).where(commands.c.id == command_id)))
                .mappings()
                .first()
            )
        return None if r is None else _row(r)

    async def transitions(self, command_id: str) -> list[TransitionRow]:
        """The command's transitions, oldest first."""
        t = command_transitions
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(t.c.command_id, t.c.state, t.c.at_ms, t.c.message)
                .where(t.c.command_id == command_id)
                .order_by(t.c.id)
            )
            return [
                TransitionRow(
                    command_id=r.command_id,
                    state=CommandState(r.state),
                    at_ms=r.at_ms,
                    message=r.message,
                )
                for r in rows
            ]

    async def active(self) -> list[CommandRow]:
        """Every command not yet terminal, oldest first: what the bus must resume or time out
        after a master restart."""
        q = select(commands).where(commands.c.state.in_(_ACTIVE)).order_by(commands.c.created_ms)
        async with self._engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(q)).mappings()]

    async def list(
        self,
        *,
        cluster: str | None = None,
        state: CommandState | None = None,
        before_ms: int | None = None,
        before_id: str | None = None,
        limit: int = 100,
    ) -> list[CommandRow]:
        """Commands newest first, optionally of one cluster/state, created before ``before_ms``
        (page by passing the last row's ``created_ms``, and its ``id`` as ``before_id`` so that
        commands created in the same millisecond are neither skipped nor repeated)."""
        q = select(commands).order_by(commands.c.created_ms.desc(), commands.c.id.desc())
        if cluster is not None:
            q = q.where(commands.c.cluster == cluster)
        if state is not None:
            q = q.where(commands.c.state == state.value)
        if before_ms is not None and before_id is not None:
            q = q.where(
                or_(
                    commands.c.created_ms < before_ms,
                    and_(commands.c.created_ms == before_ms, commands.c.id < before_id),
                )
            )
        elif before_ms is not None:
            q = q.where(commands.c.created_ms < before_ms)
        async with self._engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(q.limit(limit))).mappings()]


def _by_idempotency_key(conn: Connection, command: CommandRow) -> CommandRow | None:
    """The cluster's command with ``command``'s idempotency key, if it has one already."""
    if not command.idempotency_key:
        return None
    hit = driver.fetch_one(
        conn, _select_by_key, {"cluster": command.cluster, "key": command.idempotency_key}
    )
    return None if hit is None else _row(dict(zip(_COLUMNS, hit, strict=True)))


def _command_values(row: CommandRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "cluster": row.cluster,
        "type": row.type,
        "target": clip(row.target, 600),
        "params_json": row.params_json.decode(),
        "dry_run": row.dry_run,
        "idempotency_key": row.idempotency_key or None,
        "state": row.state.value,
        "created_ms": row.created_ms,
        "updated_ms": row.updated_ms,
        "deadline_ms": row.deadline_ms,
        "requested_by": row.requested_by,
        "result_json": row.result_json.decode(),
        "error_code": row.error_code,
        "message": clip(row.message, MESSAGE_MAX),
    }


def _transition(command_id: str, state: CommandState, at_ms: int, message: str) -> dict[str, Any]:
    """One ``command_transitions`` row (the columns in the table's order)."""
    return {
        "command_id": command_id,
        "state": state.value,
        "at_ms": at_ms,
        "message": clip(message, MESSAGE_MAX),
    }


def _state_values(
    command_id: str,
    *,
    state: CommandState,
    at_ms: int,
    message: str,
    result_json: bytes,
    error_code: str,
) -> dict[str, Any]:
    """The parameters of ``_update_state``: the command's new state and its outcome fields."""
    return {
        "b_id": command_id,
        "state": state.value,
        "updated_ms": at_ms,
        "message": clip(message, MESSAGE_MAX),
        "result_json": result_json.decode("utf-8", "replace"),
        "error_code": clip(error_code, 64),
    }


def apply_agent_updates(conn: Connection, updates: Sequence[tuple[str, CommandUpdate]]) -> None:
    """Store agents' ``(cluster, update)`` reports on ``conn`` (a journal commit's transaction):
    a transition row each, the command's state unless it is already terminal, and the audit
    entry of every outcome. A cluster may only report on its own commands."""
    current: dict[str, tuple[Any, ...]] = {}
    for command_id in sorted({u.command_id for _, u in updates}):
        row = driver.fetch_one(conn, _select_for_update, {"id": command_id})
        if row is not None:
            current[command_id] = row
    mine = [u for cluster, u in updates if _owned_by(current.get(u.command_id), cluster)]
    if len(mine) < len(updates):
        # Unknown ids or another cluster's command: never let one agent touch another's rows.
        log.warning("ignored %d command updates for unknown commands", len(updates) - len(mine))
    if not mine:
        return
    driver.executemany(
        conn,
        _insert_transition,
        [_transition(u.command_id, u.state, u.at_ms, u.message) for u in mine],
    )
    changes, audits = _effects(current, mine)
    driver.executemany(
        conn,
        _update_state,
        [
            _state_values(
                u.command_id,
                state=u.state,
                at_ms=u.at_ms,
                message=u.message,
                result_json=u.result_json,
                error_code=u.error_code,
            )
            for u in changes
        ],
    )
    for entry in audits:
        write_audit(conn, entry)


def _owned_by(row: tuple[Any, ...] | None, cluster: str) -> bool:
    return row is not None and row[_CLUSTER] == cluster


def _effects(
    current: dict[str, tuple[Any, ...]], updates: Sequence[CommandUpdate]
) -> tuple[list[CommandUpdate], list[AuditEntry]]:
    """Which updates change a command's row, and the audit entries they bring. Terminal is
    final: a late "running" must not reopen a timed-out command, and a second verdict is kept
    only as a transition. One ``command.finish`` entry per command these updates make terminal,
    committed with that state (an audit trail can never miss an outcome the store shows)."""
    state = {cid: CommandState(row[_STATE]) for cid, row in current.items()}
    changes: list[CommandUpdate] = []
    audits: list[AuditEntry] = []
    for u in updates:
        if state[u.command_id].terminal:
            continue
        state[u.command_id] = u.state
        changes.append(u)
        if not u.state.terminal:
            continue
        row = current[u.command_id]
        audits.append(
            command_audit(
                command_id=row[_ID],
                type_=row[_TYPE],
                params_json=row[_PARAMS].encode(),
                dry_run=bool(row[_DRY_RUN]),
                cluster=row[_CLUSTER],
                target=row[_TARGET],
                actor=row[_BY],
                action="command.finish",
                outcome=u.state.value,
                at_ms=u.at_ms,
                reason=u.error_code or u.message,
            )
        )
    return changes, audits
