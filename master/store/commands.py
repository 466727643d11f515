"""Commands and their transitions, as the command bus persists them.

The bus owns the state machine; this module stores it, with one rule of its own: a terminal
state is final (a late report cannot reopen a command), though every report is kept as a
transition row for the audit trail. Updates from agents arrive through the journal
(``master.store.journaling``) and follow the same rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store import driver
from master.store.auditing import AuditEntry, write_audit
from master.store.conversions import MESSAGE_MAX, clip
from master.store.driver import Prepared
from master.store.rows import CommandRow, TransitionRow
from master.store.schema import command_transitions, commands
from master.store.writer import Writer
from shared.domain.commands import TERMINAL_STATES, CommandState

_ACTIVE = [s.value for s in CommandState if s not in TERMINAL_STATES]

# The bus's hot writes (one submit, each transition), prepared for the driver (see ``driver``).
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
        result_json=r["result_json"].encode(),
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
    ) -> tuple[CommandRow, bool]:
        """Store a new command and its first transition; returns ``(row, True)``.

        If the cluster already has a command with the same non-empty idempotency key, nothing
        is written and ``(existing_row, False)`` comes back, so a retried HTTP request does not
        run a command twice.

        ``audit`` and ``sent_at_ms`` (the command leaves at once: record ``sent`` too) commit in
        the same transaction, so one request costs one group-commit slot instead of three and
        a crash cannot leave a command without its audit entry."""

        def work(conn: Connection) -> tuple[CommandRow, bool]:
            if command.idempotency_key:
                hit = driver.fetch_one(
                    conn,
                    _select_by_key,
                    {"cluster": command.cluster, "key": command.idempotency_key},
                )
                if hit is not None:
                    return _row(dict(zip(_COLUMNS, hit, strict=True))), False
            row = command
            steps = [(command.state, command.created_ms, command.message)]
            if sent_at_ms is not None:
                row = replace(command, state=CommandState.SENT, updated_ms=sent_at_ms)
                steps.append((CommandState.SENT, sent_at_ms, sent_message))
            driver.execute(
                conn,
                _insert_command,
                {
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
                },
            )
            driver.executemany(
                conn,
                _insert_transition,
                [
                    {
                        "command_id": row.id,
                        "state": state.value,
                        "at_ms": at,
                        "message": clip(message, MESSAGE_MAX),
                    }
                    for state, at, message in steps
                ],
            )
            if audit is not None:
                write_audit(conn, audit)
            return row, True

        return await self._writer.submit(work)

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
            driver.execute(
                conn,
                _insert_transition,
                {
                    "command_id": command_id,
                    "state": state.value,
                    "at_ms": at_ms,
                    "message": clip(message, MESSAGE_MAX),
                },
            )
            if CommandState(current[0]).terminal:
                return False
            driver.execute(
                conn,
                _update_state,
                {
                    "b_id": command_id,
                    "state": state.value,
                    "updated_ms": at_ms,
                    "message": clip(message, MESSAGE_MAX),
                    "result_json": result_json.decode("utf-8", "replace"),
                    "error_code": clip(error_code, 64),
                },
            )
            if audit is not None:
                write_audit(conn, audit)
            return True

        return await self._writer.submit(work)

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
                TransitionRow(r.command_id, CommandState(r.state), r.at_ms, r.message) for r in rows
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
        limit: int = 100,
    ) -> list[CommandRow]:
        """Commands newest first, optionally of one cluster/state, created before ``before_ms``
        (page by passing the last row's ``created_ms``)."""
        q = select(commands).order_by(commands.c.created_ms.desc(), commands.c.id.desc())
        if cluster is not None:
            q = q.where(commands.c.cluster == cluster)
        if state is not None:
            q = q.where(commands.c.state == state.value)
        if before_ms is not None:
            q = q.where(commands.c.created_ms < before_ms)
        async with self._engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(q.limit(limit))).mappings()]
