"""Migration 9: remediations and their approval policy. FROZEN once released.

``remediations`` is one row per suggested fix of one finding, carried through its life cycle
(``master.remediation.states``): the suggestion (command, why, evidence, inverse) as JSON, who
asked for approval and who approved (a JSON list of ``{by, at_ms}``), the command ids of the
dry-run preview and of the run, the preview's result (the diff and the impact check), the
verification outcome, and the times the life cycle needs (approval expiry, when it ran, when it
succeeded: the watch starts there). ``history_json`` lists every state change with who and why.
Indexed by (cluster, fingerprint) — a finding's remediations — (cluster, target, reason) —
one open remediation per reason and target — and (state, updated_ms), what the service's timer
scans.

``remediation_policy`` holds the approval policy document (one row, replaced whole).

Number 8 is the pod metrics migration of a parallel branch. Own table definitions,
``checkfirst``: a half-applied step reruns cleanly."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Connection, Index, MetaData, String, Table, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()
Ms = BigInteger
Json = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")

remediations = Table(
    "remediations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("cluster", String(63), nullable=False),
    Column("namespace", String(63), nullable=False),
    Column("target_kind", String(63), nullable=False),
    Column("target_name", String(253), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("state", String(24), nullable=False),
    Column("auto", Boolean, nullable=False),
    Column("suggestion_json", Json, nullable=False),
    Column("requested_by", String(128), nullable=False),
    Column("approvals_json", Text, nullable=False),
    Column("preview_command_id", String(64), nullable=False),
    Column("run_command_id", String(64), nullable=False),
    Column("preview_json", Json, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("history_json", Json, nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Column("expires_ms", Ms, nullable=False),
    Column("ran_ms", Ms, nullable=False),
    Column("succeeded_ms", Ms, nullable=False),
    Index("ix_remediations_finding", "cluster", "fingerprint"),
    Index("ix_remediations_target", "cluster", "target_name", "reason"),
    Index("ix_remediations_state", "state", "updated_ms"),
    Index("ix_remediations_created", "created_ms"),
)

remediation_policy = Table(
    "remediation_policy",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("body_json", Text, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Column("updated_by", String(128), nullable=False),
)


def _create(sync_conn: Connection) -> None:
    remediations.create(sync_conn, checkfirst=True)
    remediation_policy.create(sync_conn, checkfirst=True)


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(_create)
