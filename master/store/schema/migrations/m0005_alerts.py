"""Migration 5: alerting. FROZEN once released.

``alert_state`` holds the alert engine's state as one JSON row per alert record (kind
``alert``, keyed by fingerprint), per aggregation group (kind ``group``, keyed by group id) and
one for the noise counters (kind ``meta``, key ``noise``). Row per key rather than one snapshot
blob: the engine hands out exactly the rows that changed (``take_changes``), so a transition of
one alert among 10,000 rewrites one small row, not the whole state, and the write stays inside
the same transaction as the outbox rows it caused. Silences get their own table (the API lists
and expires them; they are the audit-worthy objects).

``notification_outbox`` is the durable queue the notify worker drains: one row per
notification, ``idempotency_key`` unique, ``group_hash`` (SHA-256 of receiver + group key) so
"the oldest unfinished row of its group" is an indexed lookup on MariaDB too (a group key can
be longer than an index may be). ``notification_log`` has one row per delivery attempt.

Own table definitions, ``checkfirst``: a half-applied step reruns cleanly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
Ms = BigInteger
KEY = 255
RECEIVER = 200
HASH = 64

alert_state = Table(
    "alert_state",
    metadata,
    Column("kind", String(16), nullable=False),
    Column("key", String(KEY), nullable=False),
    Column("body_json", Json, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    PrimaryKeyConstraint("kind", "key"),
)

alert_silences = Table(
    "alert_silences",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("matchers_json", Text, nullable=False),
    Column("starts_at_ms", Ms, nullable=False),
    Column("ends_at_ms", Ms, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at_ms", Ms, nullable=False),
    Index("ix_alert_silences_ends", "ends_at_ms"),
)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("receiver", String(RECEIVER), nullable=False),
    Column("group_key", Text, nullable=False),
    Column("group_hash", String(HASH), nullable=False),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("payload_json", Json, nullable=False),
    Column("state", String(16), nullable=False),  # pending | leased | sent | dead
    Column("attempts", Integer, nullable=False),
    Column("next_at_ms", Ms, nullable=False),
    Column("lease_until_ms", Ms, nullable=True),
    Column("since_ms", Ms, nullable=False),  # starts the dead-letter clock (reset by a retry)
    Column("status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_ms", Ms, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Index("ix_notification_outbox_group", "group_hash", "state", "id"),
    Index("ix_notification_outbox_state", "state", "next_at_ms"),
)

notification_log = Table(
    "notification_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outbox_id", BigInteger, nullable=False),
    Column("receiver", String(RECEIVER), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("group_key", Text, nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at_ms", Ms, nullable=False),
    Column("outcome", String(16), nullable=False),  # sent | retry | dead
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("next_attempt_ms", Ms, nullable=True),
    Index("ix_notification_log_outbox", "outbox_id", "id"),
    Index("ix_notification_log_at", "at_ms"),
)


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, checkfirst=True)
