"""The grpc.aio server that hosts ``MetricsIntakeServicer``.

``IntakeServer`` (start / port / stop) is for callers that need the bound port (tests on
port 0, the agent's composition root); ``serve_intake`` runs one until ``stop`` is set. No TLS:
the hop is node-local or inside the cluster network, and the optional token guards it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import grpc

from agent.intake.errors import IntakeBindError
from agent.intake.servicer import MetricsIntakeServicer, OnSamples
from shared.pb.lookout.v1 import metrics_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)

STOP_GRACE_S = 2.0  # in-flight Pushes take milliseconds; the daemon retries anything cut off
_MAX_MESSAGE = 4 * 1024 * 1024  # gRPC's default; a full daemon buffer is ~100 KB


class IntakeServer:
    def __init__(
        self,
        listen: str,
        on_samples: OnSamples,
        *,
        token: str | None = None,
        max_samples: int = 1000,
    ) -> None:
        self._listen = listen
        self._servicer = MetricsIntakeServicer(on_samples, token=token, max_samples=max_samples)
        self._server: grpc.aio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        """Bind and start; returns the bound port (useful with ``host:0``)."""
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE),
                # grpc sets SO_REUSEPORT by default: a second agent on the same port would
                # silently share the daemons' pushes instead of failing to start.
                ("grpc.so_reuseport", 0),
            ],
        )
        pb_grpc.add_MetricsIntakeServicer_to_server(self._servicer, server)
        try:
            self.port = server.add_insecure_port(self._listen)
        except RuntimeError as e:
            raise IntakeBindError(f"metrics intake cannot listen on {self._listen}: {e}") from e
        if self.port == 0:  # older grpc reports a failed bind as port 0 instead of raising
            raise IntakeBindError(f"metrics intake cannot listen on {self._listen}")
        await server.start()
        self._server = server
        log.info("metrics intake listening on %s (port %d)", self._listen, self.port)
        return self.port

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        if self._server is not None:
            await self._server.stop(grace_s)
            self._server = None


async def serve_intake(
    listen: str,
    on_samples: OnSamples,
    *,
    token: str | None,
    stop: asyncio.Event,
    max_samples: int = 1000,
    on_bound: Callable[[int], None] | None = None,
) -> None:
    """Serve until ``stop`` is set, then stop with a short grace. ``on_bound`` receives the
    bound port once listening."""
    server = IntakeServer(listen, on_samples, token=token, max_samples=max_samples)
    port = await server.start()
    if on_bound is not None:
        on_bound(port)
    try:
        await stop.wait()
    finally:
        # Shielded so a cancelled task still closes the port before the CancelledError goes on.
        await asyncio.shield(server.stop())
