"""The notification outbox and the notification log.

The outbox is what ``master.notify.outbox.Outbox`` promises, over a table: ``claim`` leases
the due rows, and per (receiver, group key) only the oldest unfinished row is claimable, so a
group's notifications arrive in order. A lease expires (``lease_until_ms``): a master that
crashed mid-send leaves a row that the next claim after the lease offers again (the
idempotency key makes that resend harmless). Payloads are JSON the alert service wrote; this
module does not interpret them (the store sits below ``master.notify``).

The log has one row per delivery attempt: what was sent where, when, with what result."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, Update, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.conversions import clip, new_id
from master.store.schema.tables import notification_log, notification_outbox
from master.store.writing.writer import Writer

UNFINISHED = ("pending", "leased")
ERROR_MAX = 2_000


CLAIM_OVERFETCH = 4  # candidate rows read per row claimed when receivers have a room bound


def _within_room(
    rows: list[OutboxRow], limit: int, room: Callable[[str], int] | None
) -> list[OutboxRow]:
    if room is None:
        return rows[:limit]
    taken: dict[str, int] = {}
    out: list[OutboxRow] = []
    for r in rows:
        if len(out) >= limit:
            break
        if taken.get(r.receiver, 0) < room(r.receiver):
            taken[r.receiver] = taken.get(r.receiver, 0) + 1
            out.append(r)
    return out


def group_hash(receiver: str, group_key: str) -> str:
    return hashlib.sha256(f"{receiver}\0{group_key}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OutboxInsert:
    receiver: str
    group_key: str
    idempotency_key: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    receiver: str
    group_key: str
    idempotency_key: str
    payload: dict[str, Any]
    state: str
    attempts: int
    next_at_ms: int
    lease_until_ms: int | None
    since_ms: int
    status: int | None
    last_error: str | None
    created_ms: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class LogRow:
    id: int
    outbox_id: int
    receiver: str
    channel: str
    group_key: str
    idempotency_key: str
    attempt: int
    at_ms: int
    outcome: str
    status: int | None
    error: str | None
    next_attempt_ms: int | None


def _outbox_row(r: Row[Any]) -> OutboxRow:
    return OutboxRow(
        id=r.id,
        receiver=r.receiver,
        group_key=r.group_key,
        idempotency_key=r.idempotency_key,
        payload=orjson.loads(r.payload_json),
        state=r.state,
        attempts=r.attempts,
        next_at_ms=r.next_at_ms,
        lease_until_ms=r.lease_until_ms,
        since_ms=r.since_ms,
        status=r.status,
        last_error=r.last_error,
        created_ms=r.created_ms,
        updated_ms=r.updated_ms,
    )


def _log_row(r: Row[Any]) -> LogRow:
    return LogRow(
        id=r.id,
        outbox_id=r.outbox_id,
        receiver=r.receiver,
        channel=r.channel,
        group_key=r.group_key,
        idempotency_key=r.idempotency_key,
        attempt=r.attempt,
        at_ms=r.at_ms,
        outcome=r.outcome,
        status=r.status,
        error=r.error,
        next_attempt_ms=r.next_attempt_ms,
    )


@dataclass(frozen=True, slots=True)
class OutboxLease:
    """Rows to lease as they are written, for a sender that takes them at once: at most
    ``limit``, held until ``until_ms``. It saves that sender a claim, a transaction of its own,
    between the alert transition and the send."""

    limit: int
    until_ms: int


@dataclass(frozen=True, slots=True)
class OutboxWritten:
    ids: list[int]  # every row written, in order
    leased: list[tuple[int, OutboxInsert]]  # those written leased, with what they hold


def insert_outbox(
    conn: Connection,
    rows: Sequence[OutboxInsert],
    *,
    now_ms: int,
    lease: OutboxLease | None = None,
) -> OutboxWritten:
    """Inside the caller's transaction (the alert step that decided them). A key already
    present is skipped: after a restore that re-decides a committed notification, it must not
    be queued twice. With ``lease``, a row is written leased only when it is its group's
    oldest unfinished row — exactly what ``claim`` would give — so leasing never lets a group's
    notification overtake an earlier one."""
    t = notification_outbox
    keys = [r.idempotency_key for r in rows]
    have = (
        set(
            conn.execute(select(t.c.idempotency_key).where(t.c.idempotency_key.in_(keys))).scalars()
        )
        if keys
        else set()
    )
    hashes = {r.idempotency_key: group_hash(r.receiver, r.group_key) for r in rows}
    busy: set[str] = set()  # groups with an unfinished row (written before, or just now)
    if lease is not None and lease.limit > 0 and rows:
        busy = set(
            conn.execute(
                select(t.c.group_hash).where(
                    t.c.group_hash.in_(set(hashes.values())), t.c.state.in_(UNFINISHED)
                )
            ).scalars()
        )
    ids: list[int] = []
    leased: list[tuple[int, OutboxInsert]] = []
    for r in rows:
        if r.idempotency_key in have:
            continue
        have.add(r.idempotency_key)
        group = hashes[r.idempotency_key]
        take = lease is not None and len(leased) < lease.limit and group not in busy
        busy.add(group)
        result = conn.execute(
            insert(t).values(
                receiver=clip(r.receiver, 200),
                group_key=r.group_key,
                group_hash=group,
                idempotency_key=r.idempotency_key,
                payload_json=orjson.dumps(r.payload).decode(),
                state="leased" if take else "pending",
                attempts=0,
                next_at_ms=now_ms,
                lease_until_ms=lease.until_ms if take and lease is not None else None,
                since_ms=now_ms,
                created_ms=now_ms,
                updated_ms=now_ms,
            )
        )
        ids.append(new_id(result.inserted_primary_key))
        if take:
            leased.append((ids[-1], r))
    return OutboxWritten(ids, leased)


def _finishing(**values: Any) -> Update:
    """The update that records one attempt's outcome on a leased row, built once: every
    notification ends with one, and building and cache-keying the statement each time cost
    more CPU than running it."""
    t = notification_outbox
    return (
        update(t)
        .where(t.c.id == bindparam("b_id"), t.c.state == "leased")
        .values(
            attempts=t.c.attempts + 1,
            updated_ms=bindparam("b_at"),
            lease_until_ms=None,
            **values,
        )
    )


_SENT = _finishing(state="sent", status=bindparam("b_status"), last_error=None)
_RETRY = _finishing(
    state="pending", next_at_ms=bindparam("b_next"), last_error=bindparam("b_error")
)
_DEAD = _finishing(state="dead", last_error=bindparam("b_error"))


class NotificationRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def enqueue(self, rows: Sequence[OutboxInsert], *, now_ms: int) -> list[int]:
        def work(conn: Connection) -> list[int]:
            return insert_outbox(conn, rows, now_ms=now_ms).ids

        return await self._writer.run(work)

    async def claim(
        self,
        now_ms: int,
        limit: int,
        *,
        lease_ms: int,
        room: Callable[[str], int] | None = None,
    ) -> list[OutboxRow]:
        """Lease up to ``limit`` due rows, each the oldest unfinished of its group, at most
        ``room(receiver)`` per receiver; a row whose lease ran out (its master crashed
        mid-send) is due again. Rows past a receiver's room stay pending for a later claim:
        a slow receiver's backlog does not take the whole claim from the others."""

        def work(conn: Connection) -> list[OutboxRow]:
            t = notification_outbox
            heads = (
                select(func.min(t.c.id).label("id"))
                .where(t.c.state.in_(UNFINISHED))
                .group_by(t.c.group_hash)
                .subquery()
            )
            due = or_(
                and_(t.c.state == "pending", t.c.next_at_ms <= now_ms),
                and_(t.c.state == "leased", t.c.lease_until_ms <= now_ms),
            )
            # Over-fetch when a receiver may be full, so the others still fill the claim.
            fetch = limit if room is None else limit * CLAIM_OVERFETCH
            q = select(t).where(t.c.id.in_(select(heads.c.id)), due).order_by(t.c.id).limit(fetch)
            found = _within_room([_outbox_row(r) for r in conn.execute(q)], limit, room)
            if found:
                conn.execute(
                    update(t)
                    .where(t.c.id.in_([r.id for r in found]))
                    .values(state="leased", lease_until_ms=now_ms + lease_ms, updated_ms=now_ms)
                )
            return found

        return await self._writer.run(work)

    async def _finish(self, q: Update, id: int, at_ms: int, **values: Any) -> bool:
        params = {"b_id": id, "b_at": at_ms, **values}

        def work(conn: Connection) -> bool:
            return bool(conn.execute(q, params).rowcount)

        return await self._writer.run(work)

    async def succeeded(self, id: int, at_ms: int, status: int) -> bool:
        return await self._finish(_SENT, id, at_ms, b_status=status)

    async def retry_at(self, id: int, at_ms: int, error: str, *, now_ms: int) -> bool:
        return await self._finish(_RETRY, id, now_ms, b_next=at_ms, b_error=clip(error, ERROR_MAX))

    async def dead(self, id: int, at_ms: int, error: str) -> bool:
        return await self._finish(_DEAD, id, at_ms, b_error=clip(error, ERROR_MAX))

    async def set_payload(self, id: int, payload: dict[str, Any], *, now_ms: int) -> bool:
        """Replace the payload of a row still leased (its enrichment, written before the first
        send so retries carry it); False when the row is no longer leased."""
        t = notification_outbox
        q = (
            update(t)
            .where(t.c.id == id, t.c.state == "leased")
            .values(payload_json=orjson.dumps(payload).decode(), updated_ms=now_ms)
        )

        def work(conn: Connection) -> bool:
            return bool(conn.execute(q).rowcount)

        return await self._writer.run(work)

    async def retry(self, id: int, *, now_ms: int) -> OutboxRow | None:
        """An admin's retry of a dead letter: pending again now, with a fresh dead-letter
        clock. None when there is no dead row with that id."""

        def work(conn: Connection) -> OutboxRow | None:
            t = notification_outbox
            q = (
                update(t)
                .where(t.c.id == id, t.c.state == "dead")
                .values(state="pending", next_at_ms=now_ms, since_ms=now_ms, updated_ms=now_ms)
            )
            if not conn.execute(q).rowcount:
                return None
            return _outbox_row(conn.execute(select(t).where(t.c.id == id)).one())

        return await self._writer.run(work)

    async def get(self, id: int) -> OutboxRow | None:
        t = notification_outbox
        async with self._engine.connect() as conn:
            r = (await conn.execute(select(t).where(t.c.id == id))).first()
        return None if r is None else _outbox_row(r)

    async def rows(
        self, *, state: str | None = None, receiver: str | None = None, limit: int = 100
    ) -> list[OutboxRow]:
        """Newest first."""
        t = notification_outbox
        q = select(t).order_by(t.c.id.desc()).limit(limit)
        if state is not None:
            q = q.where(t.c.state == state)
        if receiver is not None:
            q = q.where(t.c.receiver == receiver)
        async with self._engine.connect() as conn:
            return [_outbox_row(r) for r in await conn.execute(q)]

    async def log_attempts(self, entries: Sequence[dict[str, Any]]) -> None:
        if not entries:
            return
        rows = [
            {**e, "error": None if e.get("error") is None else clip(str(e["error"]), ERROR_MAX)}
            for e in entries
        ]

        def work(conn: Connection) -> None:
            conn.execute(insert(notification_log), rows)

        await self._writer.run(work)

    async def attempts(
        self, *, outbox_id: int | None = None, receiver: str | None = None, limit: int = 100
    ) -> list[LogRow]:
        """Newest first."""
        t = notification_log
        q = select(t).order_by(t.c.id.desc()).limit(limit)
        if outbox_id is not None:
            q = q.where(t.c.outbox_id == outbox_id)
        if receiver is not None:
            q = q.where(t.c.receiver == receiver)
        async with self._engine.connect() as conn:
            return [_log_row(r) for r in await conn.execute(q)]
