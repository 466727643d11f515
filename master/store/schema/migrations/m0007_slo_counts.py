"""Migration 7: SLO counts. FROZEN once released.

``slo_counts`` holds each SLO's good/total request counts (and, for latency SLOs, the
cumulative latency buckets: upper bound in seconds -> count, ``"+Inf"`` for the open bucket;
``{}`` for availability) at three resolutions: ``m`` one row per minute, ``h`` per UTC hour,
``d`` per local day in the configured time zone. Hours and days are recomputed from minutes
whenever a minute changes, so a report over a year reads ~365 rows, not 525,600. Keyed on
(slo, resolution, start_ms); the (resolution, start_ms) index is what retention deletes by, as
each resolution is kept for its own number of days.

``slo_state`` is one row per SLO: the hash of the definition the counts were computed under
(a changed selector or threshold makes the old counts mean something else, so they are
rebuilt) and ``done_until_ms``, the ``ingress_samples.received_ms`` processed so far.

Also an index on ``ingress_samples (cluster, service, window_end_ms)``: recomputing one SLO's
minutes reads that service's samples only, instead of every service's of the cluster.

SLO names compare case-sensitively on MariaDB too (binary collation), as they do in the
definitions and on SQLite. Own table definitions, ``checkfirst``: a half-applied step reruns
cleanly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()
Ms = BigInteger
SloName = String(253).with_variant(mysql.VARCHAR(253, collation="utf8mb4_bin"), "mysql")

slo_counts = Table(
    "slo_counts",
    metadata,
    Column("slo", SloName, nullable=False),
    Column("resolution", String(1), nullable=False),  # m | h | d
    Column("start_ms", Ms, nullable=False),
    Column("good", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("buckets_json", Text, nullable=False),
    PrimaryKeyConstraint("slo", "resolution", "start_ms"),
    Index("ix_slo_counts_resolution", "resolution", "start_ms"),
)

slo_state = Table(
    "slo_state",
    metadata,
    Column("slo", SloName, primary_key=True),
    Column("definition_hash", String(64), nullable=False),
    Column("done_until_ms", Ms, nullable=False),
)


# Only the columns the new index names: the table itself is migration 1's.
ingress_samples = Table(
    "ingress_samples",
    metadata,
    Column("cluster", String(63), nullable=False),
    Column("service", String(253), nullable=False),
    Column("window_end_ms", Ms, nullable=False),
)
ingress_by_service = Index(
    "ix_ingress_samples_service",
    ingress_samples.c.cluster,
    ingress_samples.c.service,
    ingress_samples.c.window_end_ms,
)


def _create(sync_conn: Connection) -> None:
    slo_counts.create(sync_conn, checkfirst=True)
    slo_state.create(sync_conn, checkfirst=True)
    ingress_by_service.create(sync_conn, checkfirst=True)


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(_create)
