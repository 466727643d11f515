"""``/metrics`` on the agent's ``metrics_listen``: prometheus_client's threaded HTTP server,
started and stopped by the composition root (``serving`` is an async context manager).

A thread rather than the event loop: a slow scraper then never delays watching or the
uplink, and the server needs no ASGI stack the agent does not otherwise carry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import start_http_server

from agent.telemetry.metrics import AgentMetrics

log = logging.getLogger(__name__)


@asynccontextmanager
async def serving(metrics: AgentMetrics, listen: str) -> AsyncIterator[int | None]:
    """Serve ``metrics`` on ``listen`` (host:port) while inside; yields the bound port, or
    None when ``listen`` is empty (not served)."""
    if not listen:
        yield None
        return
    host, _, port = listen.rpartition(":")
    server, thread = start_http_server(
        int(port), addr=host.strip("[]") or "0.0.0.0", registry=metrics.registry
    )
    bound: int = server.server_port
    log.info("agent metrics on %s:%d/metrics", host, bound)
    try:
        yield bound
    finally:
        # shutdown() blocks until the serving loop notices (up to its 0.5 s poll): off the loop.
        await asyncio.to_thread(server.shutdown)
        server.server_close()
        thread.join(timeout=5)
