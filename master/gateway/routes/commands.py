"""⑧ Commands: create, read, list, cancel and long-poll wait, over the command bus.

Waiting for an outcome takes one request either way: ``POST …/commands`` with
``Prefer: wait=N`` (RFC 7240) answers once the command is terminal or N seconds passed, and
``GET /commands/{id}/wait`` does the same for a command created earlier (a reload, another
operator). Both cap the wait at ``WAIT_MAX_S``; the body's ``terminal`` says which happened.

Errors are the master's own and propagate (``master.gateway.errors`` maps them): an invalid
request (``InvalidCommand``) -> 422 with the precise reason, malformed ``Prefer: wait``
(``InvalidPreference``) -> 400, unknown cluster or command (``NotFound``) -> 404, cancelling a
finished command or an idempotency key reused for another request (``CommandConflict``) -> 409,
bus not wired (``Unavailable``) -> 503. A body above the route's ``body_limit`` never gets
here: ``master.gateway.limits`` answers 413 before it is read."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, status

from master.auth.roles import Permission
from master.commands.bus import CommandSnapshot, parse_target
from master.commands.requests import CommandIn, validate
from master.errors import Forbidden, NotFound
from master.gateway import budget_policy
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Bus, Cluster, MaybeSlos, StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.prefer import preferred_wait
from master.gateway.responses import FastJSON
from master.store import CommandRow, TransitionRow
from shared.domain.commands import CommandState

router = APIRouter(tags=["commands"])

WAIT_MAX_S = 60.0  # one long-poll; well under common proxy idle timeouts
# A command request is a type, a target and a few parameters: a few hundred bytes. 16 KiB
# leaves room for any parameter the catalogue takes and bounds what a caller can make the
# master parse before authentication (``master.gateway.limits``).
COMMAND_BODY_MAX = 16 * KiB
# Epoch milliseconds past the year 30000: far beyond any command, well inside the store's
# 64-bit integers (an unbounded value overflowed the SQLite driver: a 500, not a 422).
EPOCH_MS_MAX = 10**15 - 1
# Cancelling takes no body; a client sending ``{}`` out of habit is still welcome.
CANCEL_BODY_MAX = 1 * KiB


def command_view(row: CommandRow, transitions: list[TransitionRow] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id,
        "cluster": row.cluster,
        "type": row.type,
        "target": row.target,
        "params": orjson.loads(row.params_json or b"{}"),
        "dry_run": row.dry_run,
        "idempotency_key": row.idempotency_key or None,
        "state": row.state.value,
        "terminal": row.state.terminal,
        "created_ms": row.created_ms,
        "updated_ms": row.updated_ms,
        "deadline_ms": row.deadline_ms,
        "requested_by": row.requested_by,
        "result": orjson.loads(row.result_json) if row.result_json else None,
        "error_code": row.error_code or None,
        "message": row.message or None,
    }
    if transitions is not None:
        view["transitions"] = [
            {"state": t.state.value, "at_ms": t.at_ms, "message": t.message or None}
            for t in transitions
        ]
    return view


def _detailed(command: CommandSnapshot) -> dict[str, Any]:
    return command_view(command.row, list(command.transitions))


@router.post(
    "/clusters/{name}/commands",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[need(Permission.OPERATE, "cluster")],
    responses={
        status.HTTP_200_OK: {"description": "An earlier command with the same idempotency key"},
        **error_responses(409),
    },
)
@body_limit(COMMAND_BODY_MAX)
async def create_command(
    body: CommandIn,
    cluster: Cluster,
    bus: Bus,
    caller: Caller,
    slos: MaybeSlos,
    prefer: Annotated[
        str | None,
        Header(description="`wait=N`: answer once the command is terminal or N s passed"),
    ] = None,
) -> FastJSON:
    """202 for a new command, 200 when its idempotency key returned an earlier one; with
    ``Prefer: wait=N`` either answers once terminal (``terminal: true``) or after N s."""
    wait_s = preferred_wait(prefer, cap_s=WAIT_MAX_S)
    if not caller.grants.allows(Permission.OPERATE, cluster.name, body.target.namespace):
        raise Forbidden("you may not run commands on this target")
    valid = validate(body)
    if slos is not None:  # the error-budget policy; raises while one holds the command back
        await budget_policy.check(body, cluster, slos, caller)
    command, created = await bus.submit(cluster.name, valid, actor=caller.name)
    headers = {"Location": f"/api/v1/commands/{command.row.id}"}
    if wait_s is not None:
        # The bus mirrors active commands in memory, so this waits on an event, not the store.
        command = await bus.wait(command.row.id, wait_s)
        headers["Preference-Applied"] = f"wait={wait_s:g}"
    code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    return FastJSON(_detailed(command), status_code=code, headers=headers)


SCAN_PAGES = 10  # store pages one GET /commands reads at most to fill a filtered page


@router.get("/commands", dependencies=[need(Permission.READ, "anywhere")])
async def list_commands(
    store: StoreDep,
    caller: Caller,
    *,
    cluster: str | None = None,
    state: CommandState | None = None,
    type: str | None = None,
    before_ms: Annotated[int | None, Query(ge=0, le=EPOCH_MS_MAX)] = None,
    before_id: Annotated[
        str | None, Query(max_length=64, description="with before_ms: the cursor's id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FastJSON:
    """Commands newest first. Page on with the answer's ``next_before_ms`` and
    ``next_before_id`` (both null on the last page)."""
    # The store has no type index and scopes are not SQL: pages are filtered here, and read on
    # until ``limit`` visible commands or the end, so a scoped caller's page is not short
    # because other namespaces' commands filled the rows read. Bounded: past SCAN_PAGES reads
    # the page is returned as it is, with the cursor to go on from.
    items: list[dict[str, Any]] = []
    cursor: CommandRow | None = None
    after = (before_ms, before_id)
    for _ in range(SCAN_PAGES):
        rows = await store.commands.list(
            cluster=cluster, state=state, before_ms=after[0], before_id=after[1], limit=limit
        )
        cursor = rows[-1] if len(rows) == limit else None
        for r in rows:
            if (type is None or r.type == type) and _sees(caller, r):
                items.append(command_view(r))
                if len(items) == limit:  # the next page starts after this one
                    cursor = r
                    break
        if cursor is None or len(items) == limit:
            break
        after = (cursor.created_ms, cursor.id)
    return FastJSON(
        {
            "items": items,
            "next_before_ms": None if cursor is None else cursor.created_ms,
            "next_before_id": None if cursor is None else cursor.id,
        }
    )


def _sees(caller: Principal, row: CommandRow, permission: Permission = Permission.READ) -> bool:
    return caller.grants.allows(permission, row.cluster, parse_target(row.target).namespace)


def _visible(caller: Principal, command: CommandSnapshot) -> CommandSnapshot:
    """The command, if the caller may see it; otherwise as if it did not exist."""
    if not _sees(caller, command.row):
        raise NotFound(f"unknown command {command.row.id!r}")
    return command


@router.get("/commands/{command_id}", dependencies=[need(Permission.READ, "anywhere")])
async def get_command(command_id: str, bus: Bus, caller: Caller) -> FastJSON:
    return FastJSON(_detailed(_visible(caller, await bus.snapshot(command_id))))


@router.post(
    "/commands/{command_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(409),
)
@body_limit(CANCEL_BODY_MAX)
async def cancel_command(command_id: str, bus: Bus, caller: Caller) -> FastJSON:
    found = _visible(caller, await bus.snapshot(command_id))
    if not _sees(caller, found.row, Permission.OPERATE):
        raise Forbidden("you may not cancel this command")
    command = await bus.cancel(command_id, actor=caller.name)
    return FastJSON(_detailed(command), status_code=status.HTTP_202_ACCEPTED)


@router.get("/commands/{command_id}/wait", dependencies=[need(Permission.READ, "anywhere")])
async def wait_command(
    command_id: str,
    bus: Bus,
    caller: Caller,
    timeout_s: Annotated[float, Query(gt=0, le=WAIT_MAX_S)] = 30.0,
) -> FastJSON:
    """Returns when the command is terminal or ``timeout_s`` passes (check ``terminal``)."""
    _visible(caller, await bus.snapshot(command_id))
    command = await bus.wait(command_id, timeout_s)
    return FastJSON(_detailed(command))
