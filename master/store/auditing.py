"""Audit entries as values, and writing one inside the caller's transaction.

Separate from ``audit`` (the repository) so the journal commit can write the outcome of a
command in the same transaction that stores it, without importing the writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert

from master.store import driver
from master.store.conversions import clip
from master.store.driver import Prepared
from master.store.schema import audit_log

_insert_audit = Prepared(insert(audit_log))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry to append; written alone (``AuditRepo.append``) or inside another write's
    transaction (``write_audit``) when the audit must commit with the change it records."""

    at_ms: int
    actor: str
    action: str
    cluster: str = ""
    target: str = ""
    detail: dict[str, Any] | None = None
    outcome: str = "ok"


def write_audit(conn: Connection, entry: AuditEntry) -> int:
    """Insert ``entry`` on ``conn`` (the caller's transaction); returns its id."""
    done = driver.execute(
        conn,
        _insert_audit,
        {
            "at_ms": entry.at_ms,
            "actor": clip(entry.actor, 128),
            "action": clip(entry.action, 64),
            "cluster": clip(entry.cluster, 63),
            "target": clip(entry.target, 600),
            "detail_json": orjson.dumps(entry.detail or {}).decode(),
            "outcome": clip(entry.outcome, 32),
        },
    )
    if done.lastrowid is None:
        raise RuntimeError("the driver reported no id for the new audit entry")
    return int(done.lastrowid)


def command_audit(
    *,
    command_id: str,
    type_: str,
    params_json: bytes,
    dry_run: bool,
    cluster: str,
    target: str,
    actor: str,
    action: str,
    outcome: str,
    at_ms: int,
    reason: str = "",
) -> AuditEntry:
    """The audit entry of a command event: one shape for requests, cancels and outcomes,
    whether the bus writes it or the journal commit that stores an agent's verdict."""
    detail: dict[str, Any] = {
        "command_id": command_id,
        "type": type_,
        "params": orjson.loads(params_json or b"{}"),
        "dry_run": dry_run,
    }
    if reason:
        detail["reason"] = reason
    return AuditEntry(at_ms, actor, action, cluster, target, detail, outcome)
