"""⑤ The master's gRPC server: AgentLink, the standard health service and reflection (so
`grpcurl` can list and call it), TLS or mTLS, keepalive both ways.

What a peer may hold before it is authenticated is bounded here and in ``hello``: the message
cap (every frame, the hello too), the number of calls served at once
(``max_concurrent_rpcs``: past it a call fails at once with RESOURCE_EXHAUSTED), and one
failed-hello limiter per server, shared by all its streams."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from master.clusters.auth import TokenLookup
from master.datahub.hub import DataHub
from master.ingress.context import Context
from master.ingress.limits import FailedHellos
from master.ingress.sessions import SessionRegistry
from master.ingress.stream import SessionConfig, SessionHooks, StreamParts, serve_stream
from master.processor.journal import JournalProcessor
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc

log = logging.getLogger(__name__)

SERVICE = link_pb2.DESCRIPTOR.services_by_name["AgentLink"].full_name


@dataclass(frozen=True, slots=True)
class LinkOptions:
    listen: str
    credentials: grpc.ServerCredentials | None
    session: SessionConfig
    max_message_bytes: int
    keepalive_s: float = 20.0
    max_concurrent_rpcs: int = 1024
    failed_hello_burst: int = 10
    failed_hello_refill_s: float = 6.0


class _AgentLink(link_pb2_grpc.AgentLinkServicer):
    def __init__(self, run: LinkServer) -> None:
        self._run = run

    async def Connect(  # type: ignore[override]
        self, request_iterator: AsyncIterator[link_pb2.AgentFrame], context: Context
    ) -> None:
        await self._run.serve(context)


class LinkServer:
    def __init__(
        self,
        options: LinkOptions,
        *,
        hub: DataHub,
        processor: JournalProcessor,
        tokens: TokenLookup,
        hooks: SessionHooks | None = None,
    ) -> None:
        self._options = options
        self.registry = SessionRegistry()
        self._parts = StreamParts(
            config=options.session,
            hub=hub,
            processor=processor,
            registry=self.registry,
            tokens=tokens,
            failed_hellos=FailedHellos(
                burst=options.failed_hello_burst, refill_s=options.failed_hello_refill_s
            ),
            hooks=hooks,
        )
        self._health = HealthServicer()
        ka_ms = int(options.keepalive_s * 1000)
        self._server = grpc.aio.server(
            maximum_concurrent_rpcs=options.max_concurrent_rpcs,
            options=[
                ("grpc.max_receive_message_length", options.max_message_bytes),
                ("grpc.max_send_message_length", options.max_message_bytes),
                ("grpc.keepalive_time_ms", ka_ms),
                ("grpc.keepalive_timeout_ms", ka_ms // 2),
                ("grpc.keepalive_permit_without_calls", 1),
                # Agents ping as often as every keepalive/2; allow it instead of GOAWAY.
                ("grpc.http2.min_ping_interval_without_data_ms", ka_ms // 4),
                ("grpc.http2.max_pings_without_data", 0),
            ],
        )
        link_pb2_grpc.add_AgentLinkServicer_to_server(_AgentLink(self), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            (
                SERVICE,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ),
            self._server,
        )
        self.port = 0

    async def serve(self, context: Context) -> None:
        await serve_stream(context, self._parts)

    @property
    def session_config(self) -> SessionConfig:
        """The config every session shares (its journal budget, e.g., for metrics)."""
        return self._options.session

    async def start(self) -> int:
        creds = self._options.credentials
        if creds is None:
            self.port = self._server.add_insecure_port(self._options.listen)
        else:
            self.port = self._server.add_secure_port(self._options.listen, creds)
        await self._server.start()
        for name in ("", SERVICE):
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info(
            "gRPC listening on port %d (%s)", self.port, "plaintext" if creds is None else "TLS"
        )
        return self.port

    async def stop(self, grace_s: float) -> None:
        """Phased: health NOT_SERVING, tell sessions to end, stop accepting, drain in grace."""
        await self._health.enter_graceful_shutdown()
        self.registry.stop_all()
        await self._server.stop(grace_s)

    async def wait(self) -> None:
        await self._server.wait_for_termination()
