"""⑧ Every HTTP request runs under a trace id (``shared.tracing``): the caller's, from a valid
``traceparent``, or a new one. The answer names it in ``X-Trace-Id``, so a person who got an
error can quote it and an admin can find the request's audit entries and log lines by it. The
same middleware begins the request's audit context (``master.audit.context``: trace id,
address, user agent, method and path), so every audit entry the request causes carries them.

Outermost middleware: the refusals, 413s and 500s of the layers inside carry it too."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from master.audit import context as audit_context
from shared import logs, tracing

HEADER = "x-trace-id"


class Tracing:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given = next((v for n, v in scope["headers"] if n == b"traceparent"), b"")
        trace_id = tracing.from_traceparent(given.decode("latin-1")) or tracing.new_trace_id()
        stamp = (HEADER.encode(), trace_id.encode())

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), stamp]}
            await send(message)

        agent = next((v for n, v in scope["headers"] if n == b"user-agent"), b"")
        client = scope.get("client")
        with (
            tracing.traced(trace_id),
            logs.bind(trace_id=trace_id),
            audit_context.request(
                trace_id=trace_id,
                source=client[0] if client else "",
                user_agent=agent.decode("latin-1")[:256],
                request=f"{scope['method']} {scope['path'][:512]}",
            ),
        ):
            await self._app(scope, receive, stamped)
