"""⑧ Live changes as server-sent events: ``GET /stream?topics=…[&cluster=NAME]``.

The contract (``master.gateway.stream.frames`` has the payloads, ``streams`` the resync
reasons): authenticated like every route (a bearer header: browsers read it with fetch
streaming, not EventSource), filtered by the caller's grants as the list routes are
(``stream.viewers``); ``topics`` names any of clusters, resources, findings, commands,
alerts (one at least: an answer without topics is a 400, so a request that did not mean to
stream never hangs); ``resync`` events always come. ``Last-Event-ID`` resumes after that id
while the master still holds the changes since (``MASTER_STREAM__RING_EVENTS``); otherwise,
and on every fresh stream, the first event is a ``resync`` whose id is the current one. Past
``MASTER_STREAM__CLIENTS_MAX`` open streams: 503 with Retry-After.

The shell only: parsing, admission and building the response; the stream itself is
``master.gateway.stream.sending``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import Receive, Scope, Send

from master.auth.roles import Grants, Permission
from master.errors import AuthError, NotFound
from master.gateway.authz import Caller, authenticate, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Hub
from master.gateway.errors import InvalidQuery
from master.gateway.state import gateway_state
from master.gateway.stream.sending import EventStream
from master.gateway.stream.streams import Reader, parse_event_id
from master.gateway.stream.viewers import TOPICS, UnknownTopic, Viewer, parse_topics

router = APIRouter(tags=["stream"])
_bearer = HTTPBearer(auto_error=False)

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events until the client goes (never ends by itself): "
        "`id`, `event` (cluster, resource, finding, command, alert, resync), one line of JSON "
        "`data`; `: hb` comments when quiet.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


class _Streaming(Response):
    """Hands the ASGI call to the stream (FastAPI wants a ``Response`` back)."""

    def __init__(self, stream: EventStream) -> None:
        super().__init__(media_type="text/event-stream")
        self._stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._stream(scope, receive, send)


@router.get(
    "/stream",
    dependencies=[need(Permission.READ, "anywhere")],
    response_class=Response,
    responses={**STREAM_DOC, **error_responses(400)},
)
async def stream(
    request: Request,
    hub: Hub,
    caller: Caller,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    topics: str | None = None,
    cluster: str | None = None,
    last_event_id: Annotated[str | None, Header(description="resume after this id")] = None,
) -> Response:
    """Changes of the DataHub and the command bus as they happen (see the module docs)."""
    try:
        wanted = parse_topics(topics or "")
    except UnknownTopic as e:
        raise InvalidQuery(f"{e}: name some of {', '.join(TOPICS)}") from None
    viewer = Viewer(caller.grants, wanted, cluster)
    if cluster is not None and (hub.cluster(cluster) is None or not viewer.sees_cluster(cluster)):
        raise NotFound(f"unknown cluster {cluster!r}")

    async def recheck() -> Grants | None:
        try:
            principal = await authenticate(request, creds)
        except AuthError:
            return None
        return principal.grants if principal.grants.holds(Permission.READ) else None

    reader = Reader(hub.changes, viewer)
    opening = reader.start(parse_event_id(last_event_id))
    streams = gateway_state(request).streams
    streams.admit()  # last: nothing between this and the response can fail
    return _Streaming(EventStream(streams=streams, reader=reader, opening=opening, recheck=recheck))
