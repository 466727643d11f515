"""⑧ Remediations: suggested fixes of findings, their dry-run preview, approval and outcome;
and the approval policy (admins).

    GET  /remediations               newest first; ``state`` (repeatable), ``cluster``, paging
    GET  /remediations/{id}          one, with its history (every state change: who, when, why)
    POST /remediations/{id}/preview  run it as a dry run: the diff and the impact check; it
                                     then waits for approval, requested by the caller
    POST /remediations/{id}/approve  the policy decides (roles, approvers, two-person rule,
                                     expiry); 403 with the policy's reason when it refuses
    POST /remediations/{id}/reject
    GET|PUT /remediation-policy      the approval policy, replaced whole (validated; audited)

Server-side checks only: the dashboard's buttons are a convenience, the policy is here.
Errors: unknown or invisible remediation → 404; a move its state does not allow (approving
twice, previewing a finished one, an expired approval) → 409 with the reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from master.auth.roles import Permission
from master.errors import Forbidden, NotFound, Rejected
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Remediations
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.routes.remediation_views import RejectIn, may, remediation_json, role_where
from master.remediation.policy import PolicyConfig
from master.remediation.service import RemediationService
from master.remediation.states import State
from master.remediation.suggestions import SUGGESTIONS
from master.store.repositories.remediations import RemediationRow
from shared.clock import now_ms

router = APIRouter(tags=["remediations"])

ACTION_BODY_MAX = 2 * KiB  # preview and approve take no body; reject a short reason
POLICY_BODY_MAX = 256 * KiB  # up to 500 rules of a few hundred bytes
EPOCH_MS_MAX = 10**15 - 1


async def _visible(service: RemediationService, caller: Principal, rid: str) -> RemediationRow:
    row = await service.get(rid)
    if not may(caller, Permission.READ, row):
        raise NotFound(f"unknown remediation {rid!r}")
    return row


async def _operable(service: RemediationService, caller: Principal, rid: str) -> RemediationRow:
    row = await _visible(service, caller, rid)
    if not may(caller, Permission.OPERATE, row):
        raise Forbidden("you may not act on remediations of this namespace")
    return row


@router.get("/remediations", dependencies=[need(Permission.READ, "anywhere")])
async def list_remediations(
    service: Remediations,
    caller: Caller,
    *,
    cluster: str | None = None,
    state: Annotated[list[State] | None, Query()] = None,
    before_ms: Annotated[int | None, Query(ge=0, le=EPOCH_MS_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FastJSON:
    """Newest first; page on with ``next_before_ms`` (null on the last page)."""
    rows = await service.store.remediations.page(
        cluster=cluster,
        states=None if state is None else [s.value for s in state],
        before_ms=before_ms,
        limit=limit,
    )
    items = [remediation_json(r) for r in rows if may(caller, Permission.READ, r)]
    last = rows[-1].created_ms if len(rows) == limit else None
    return FastJSON({"items": items, "next_before_ms": last})


@router.get("/remediations/{remediation_id}", dependencies=[need(Permission.READ, "anywhere")])
async def get_remediation(remediation_id: str, service: Remediations, caller: Caller) -> FastJSON:
    return FastJSON(remediation_json(await _visible(service, caller, remediation_id), history=True))


@router.post(
    "/remediations/{remediation_id}/preview",
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(409),
)
@body_limit(ACTION_BODY_MAX)
async def preview_remediation(
    remediation_id: str, service: Remediations, caller: Caller
) -> FastJSON:
    """Runs the suggestion as a dry run and answers with its result (``preview``); a
    successful preview waits for approval (``pending_approval``), requested by the caller."""
    await _operable(service, caller, remediation_id)
    row = await service.preview(remediation_id, actor=caller.name)
    return FastJSON(remediation_json(row, history=True))


@router.post(
    "/remediations/{remediation_id}/approve",
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(409),
)
@body_limit(ACTION_BODY_MAX)
async def approve_remediation(
    remediation_id: str, service: Remediations, caller: Caller
) -> FastJSON:
    """Counts the caller's approval; with enough approvals the command runs (once)."""
    row = await _visible(service, caller, remediation_id)
    done = await service.approve(remediation_id, actor=caller.name, role=role_where(caller, row))
    return FastJSON(remediation_json(done, history=True))


@router.post(
    "/remediations/{remediation_id}/reject",
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(409),
)
@body_limit(ACTION_BODY_MAX)
async def reject_remediation(
    remediation_id: str, body: RejectIn, service: Remediations, caller: Caller
) -> FastJSON:
    await _operable(service, caller, remediation_id)
    row = await service.reject(remediation_id, actor=caller.name, why=body.reason)
    return FastJSON(remediation_json(row, history=True))


@router.get("/remediation-policy", dependencies=[need(Permission.ADMIN)])
async def get_remediation_policy(service: Remediations) -> FastJSON:
    return FastJSON((await service.policy()).model_dump(mode="json"))


@router.put(
    "/remediation-policy",
    dependencies=[need(Permission.ADMIN)],
    status_code=status.HTTP_200_OK,
)
@body_limit(POLICY_BODY_MAX)
async def put_remediation_policy(
    body: PolicyConfig, service: Remediations, caller: Caller
) -> FastJSON:
    """Replaces the policy whole. A rule naming a reason no suggestion exists for is refused
    (422): automation that can never apply is a typo, not a policy."""
    for rule in body.rules:
        unknown = sorted(set(rule.auto_reasons) - set(SUGGESTIONS))
        if unknown:
            known = ", ".join(sorted(SUGGESTIONS))
            why = f"auto_reasons {', '.join(unknown)}: no suggestion exists (known: {known})"
            await service.store.audit.append(
                at_ms=now_ms(), actor=caller.name, action="remediation.policy", cluster="",
                target="remediation-policy", detail={"refused": why}, outcome="refused",
            )  # fmt: skip
            raise Rejected(why)
    config = await service.set_policy(body, actor=caller.name)
    return FastJSON(config.model_dump(mode="json"))
