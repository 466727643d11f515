"""⑧ What the remediation routes share: the request bodies, a remediation as JSON, and which
role a caller holds where a remediation acts (what the approval policy judges).

A remediation is in the scope of its cluster and namespace (a node's: the whole cluster), like
the command it runs: a caller sees it when they may read there."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from master.auth.roles import PERMISSION_OF, Permission, Role
from master.gateway.authz import Principal
from master.store.repositories.remediations import RemediationRow


class RejectIn(BaseModel):
    """The body of ``POST /remediations/{id}/reject``."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=500, description="Why, in plain words (audited).")


def may(caller: Principal, permission: Permission, row: RemediationRow) -> bool:
    return caller.grants.allows(permission, row.cluster, row.namespace)


def role_where(caller: Principal, row: RemediationRow) -> Role | None:
    """The highest role the caller holds where the remediation acts (None: no role there)."""
    held = [r for r in Role if caller.grants.allows(PERMISSION_OF[r], row.cluster, row.namespace)]
    return max(held, default=None)


def remediation_json(row: RemediationRow, *, history: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "cluster": row.cluster,
        "namespace": row.namespace or None,
        "target": {"kind": row.target_kind, "namespace": row.namespace, "name": row.target_name},
        "fingerprint": row.fingerprint,
        "reason": row.reason,
        "state": row.state,
        "auto": row.auto,
        "suggestion": orjson.loads(row.suggestion_json),
        "requested_by": row.requested_by or None,
        "approvals": orjson.loads(row.approvals_json),
        "preview": orjson.loads(row.preview_json) if row.preview_json else None,
        "preview_command_id": row.preview_command_id or None,
        "run_command_id": row.run_command_id or None,
        "outcome": row.outcome or None,
        "message": row.message or None,
        "created_ms": row.created_ms,
        "updated_ms": row.updated_ms,
        "expires_ms": row.expires_ms or None,
        "ran_ms": row.ran_ms or None,
        "succeeded_ms": row.succeeded_ms or None,
    }
    if history:
        out["history"] = row.history
    return out
