"""Migration 2: ``received_ms`` (the master's clock at commit) on the journal-fed history tables.

FROZEN once released. Adds the column to ``findings_history``, ``node_metrics_raw`` and
``ingress_samples``, fills existing rows with the agent time retention used before (so nothing
goes sooner or later than it would have), and indexes it for the retention purge. Each part
checks first, so a step that failed half-way runs again cleanly (MySQL commits DDL at once).

The column gets a server default of 0 only so that ``ADD COLUMN ... NOT NULL`` works on tables
with rows (SQLite requires one); the code always writes it."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

# table -> (agent time column existing rows take, index name)
_TABLES: dict[str, tuple[str, str]] = {
    "findings_history": ("last_seen_ms", "ix_findings_received"),
    "node_metrics_raw": ("at_ms", "ix_node_metrics_raw_received"),
    "ingress_samples": ("window_end_ms", "ix_ingress_samples_received"),
}


def _upgrade(conn: Connection) -> None:
    insp = inspect(conn)
    for table, (agent_col, index) in _TABLES.items():
        if "received_ms" not in {c["name"] for c in insp.get_columns(table)}:
            conn.execute(
                text(f"ALTER TABLE {table} ADD COLUMN received_ms BIGINT NOT NULL DEFAULT 0")
            )
        conn.execute(text(f"UPDATE {table} SET received_ms = {agent_col} WHERE received_ms = 0"))
        if index not in {i["name"] for i in insp.get_indexes(table)}:
            conn.execute(text(f"CREATE INDEX {index} ON {table} (received_ms)"))


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(_upgrade)
