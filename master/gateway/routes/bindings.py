"""⑧ Role bindings (admin only): a role for a user, a group (from SSO) or an API token,
globally, for one cluster, or for one namespace of one cluster. Changes apply at once on this
master and within a second on others (``Identities``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from master.auth.roles import Permission
from master.errors import Conflict, NotFound, Rejected
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.routes.users import ROLES
from master.gateway.state import gateway_state
from master.store import Store
from master.store.errors import BindingExists
from master.store.repositories.rows import BindingRow
from shared.clock import now_ms

router = APIRouter(tags=["rolebindings"])

DNS_LABEL = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$"


class NewBinding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_kind: Literal["user", "group", "token"]
    subject: str = Field(min_length=1, max_length=128)
    role: str = Field(pattern=ROLES)
    cluster: str = Field("", pattern=DNS_LABEL, description="empty: every cluster")
    namespace: str = Field("", pattern=DNS_LABEL, description="empty: the whole cluster")

    @model_validator(mode="after")
    def _scope(self) -> NewBinding:
        if self.namespace and not self.cluster:
            raise ValueError("a namespace scope needs its cluster")
        return self


def binding_view(b: BindingRow) -> dict[str, Any]:
    return {
        "id": b.id,
        "subject_kind": b.subject_kind,
        "subject": b.subject,
        "role": b.role,
        "cluster": b.cluster,
        "namespace": b.namespace,
        "created_ms": b.created_ms,
        "created_by": b.created_by,
    }


async def _audit(store: Store, actor: str, action: str, b: BindingRow) -> None:
    await store.audit.append(
        at_ms=now_ms(),
        actor=actor,
        action=action,
        cluster=b.cluster,
        target=f"{b.subject_kind}:{b.subject}",
        detail={"role": b.role, "namespace": b.namespace, "id": b.id},
    )


@router.get("/rolebindings", dependencies=[need(Permission.ADMIN)])
async def list_bindings(
    store: StoreDep, subject_kind: str | None = None, subject: str | None = None
) -> FastJSON:
    rows = await store.bindings.list(subject_kind=subject_kind, subject=subject)
    return FastJSON({"items": [binding_view(b) for b in rows]})


@router.post(
    "/rolebindings",
    status_code=201,
    dependencies=[need(Permission.ADMIN)],
    responses=error_responses(409),
)
@body_limit(4 * KiB)
async def create_binding(
    body: NewBinding, store: StoreDep, caller: Caller, request: Request
) -> FastJSON:
    if body.subject_kind == "user" and await store.users.get(body.subject) is None:
        raise Rejected(f"no user named {body.subject!r}")
    if body.subject_kind == "token" and await store.api_tokens.get(body.subject) is None:
        raise Rejected(f"no API token {body.subject!r}")
    try:
        row = await store.bindings.add(**body.model_dump(), created_by=caller.name, now_ms=now_ms())
    except BindingExists as e:
        raise Conflict(str(e)) from e
    gateway_state(request).identities.forget_bindings()
    await _audit(store, caller.name, "rolebinding.create", row)
    return FastJSON(binding_view(row), status_code=201)


@router.delete("/rolebindings/{binding_id}", status_code=204, dependencies=[need(Permission.ADMIN)])
async def delete_binding(
    binding_id: int, store: StoreDep, caller: Caller, request: Request
) -> Response:
    row = await store.bindings.remove(binding_id)
    if row is None:
        raise NotFound(f"no role binding {binding_id}")
    gateway_state(request).identities.forget_bindings()
    await _audit(store, caller.name, "rolebinding.delete", row)
    return Response(status_code=204)
