"""Migration 8: pod metrics. FROZEN once released.

``pod_metrics_raw`` holds one row per container per metrics-server sample (about 30 s
apart): usage (CPU in millicores, memory working set in bytes) next to what the pod object
said when the sample arrived -- the container's requests and limits (null when unset) and its
restart count -- and the pod's workload (``Kind/name``), so a chart draws limit lines as they
were and a workload's pods are found without the mirror. Keyed on (cluster, namespace, pod,
container, at_ms): a replayed sample is a no-op. ``received_ms`` is what retention and the
roll-up pass go by, as for node metrics.

``pod_metrics_5m`` is the 5-minute roll-up: avg and max of usage, the max of requests, limits
and restarts in the bucket (a limit raised mid-bucket shows the new one), and the workload.

Namespace and container are DNS labels (63), the pod a DNS subdomain (253): the keys stay
under MariaDB's 3072-byte index limit in utf8mb4. Own table definitions, ``checkfirst``: a
half-applied step reruns cleanly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()
Ms = BigInteger


def _keys() -> list[Column[object]]:
    return [
        Column("cluster", String(63), nullable=False),
        Column("namespace", String(63), nullable=False),
        Column("pod", String(253), nullable=False),
        Column("container", String(63), nullable=False),
    ]


def _spec() -> list[Column[object]]:
    return [
        Column("workload", String(320), nullable=False),
        Column("cpu_request_m", Double, nullable=True),
        Column("cpu_limit_m", Double, nullable=True),
        Column("mem_request", BigInteger, nullable=True),
        Column("mem_limit", BigInteger, nullable=True),
        Column("restarts", Integer, nullable=False),
    ]


pod_metrics_raw = Table(
    "pod_metrics_raw",
    metadata,
    *_keys(),
    Column("at_ms", Ms, nullable=False),
    Column("cpu_m", Double, nullable=False),
    Column("mem_bytes", BigInteger, nullable=False),
    *_spec(),
    Column("received_ms", Ms, nullable=False),
    PrimaryKeyConstraint("cluster", "namespace", "pod", "container", "at_ms"),
    Index("ix_pod_metrics_raw_at", "at_ms"),
    Index("ix_pod_metrics_raw_received", "received_ms"),
    Index("ix_pod_metrics_raw_workload", "cluster", "workload", "at_ms"),
)

pod_metrics_5m = Table(
    "pod_metrics_5m",
    metadata,
    *_keys(),
    Column("bucket_ms", Ms, nullable=False),
    Column("samples", Integer, nullable=False),
    Column("cpu_m_avg", Double, nullable=True),
    Column("cpu_m_max", Double, nullable=True),
    Column("mem_bytes_avg", Double, nullable=True),
    Column("mem_bytes_max", Double, nullable=True),
    *_spec(),
    PrimaryKeyConstraint("cluster", "namespace", "pod", "container", "bucket_ms"),
    Index("ix_pod_metrics_5m_bucket", "bucket_ms"),
    Index("ix_pod_metrics_5m_workload", "cluster", "workload", "bucket_ms"),
)


def _create(sync_conn: Connection) -> None:
    metadata.create_all(sync_conn, checkfirst=True)


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(_create)
