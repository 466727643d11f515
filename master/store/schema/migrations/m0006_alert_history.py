"""Migration 6: alert history. FROZEN once released.

``alert_history`` holds one row per ended alert episode (fired, then resolved), written in the
same transaction as the engine step that resolved it, so ``/alerts/history`` outlives the
engine's state (which forgets a resolved alert once its flap window has passed). Unique on
(fingerprint, starts_at_ms): a re-saved record of the same episode is not a second row. The
filter columns (cluster, namespace, severity) are copied out of the labels so they can be
indexed; the full labels and annotations ride along as JSON.

Also an index on ``notification_outbox (state, updated_ms)``, which retention's purge of
finished notifications reads.

Own table definitions, ``checkfirst``: a half-applied step reruns cleanly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
Ms = BigInteger

alert_history = Table(
    "alert_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False),
    Column("cluster", String(128), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("alertname", String(200), nullable=False),
    Column("rule", String(200), nullable=False),
    Column("labels_json", Json, nullable=False),
    Column("annotations_json", Json, nullable=False),
    Column("starts_at_ms", Ms, nullable=False),
    Column("ends_at_ms", Ms, nullable=False),
    Column("acked_by", String(128), nullable=False),
    Column("recorded_ms", Ms, nullable=False),
    UniqueConstraint("fingerprint", "starts_at_ms", name="uq_alert_history_episode"),
    Index("ix_alert_history_ends", "ends_at_ms"),
    Index("ix_alert_history_scope", "cluster", "namespace", "id"),
)


# Only the columns the new index names: the table itself is migration 5's.
notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("state", String(16), nullable=False),
    Column("updated_ms", Ms, nullable=False),
)
outbox_finished = Index(
    "ix_notification_outbox_finished",
    notification_outbox.c.state,
    notification_outbox.c.updated_ms,
)


def _create(sync_conn: Connection) -> None:
    alert_history.create(sync_conn, checkfirst=True)
    outbox_finished.create(sync_conn, checkfirst=True)


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(_create)
