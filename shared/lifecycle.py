"""Process lifetime: the event loop every process runs on, and SIGTERM/SIGINT turned into an
asyncio Event that composition roots await.

Phased shutdown itself (health NOT_SERVING -> stop accepting -> drain -> flush -> cancel) is the
composition root's job, because only it knows the order of its parts."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import uvloop

log = logging.getLogger(__name__)

T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on uvloop: what every Lookout process's entry point calls. The
    command round trip costs the master less CPU on it than on the default loop (``bench
    commands``; figures in bench/README.md); gRPC, aiohttp, uvicorn and aiosqlite all run on it."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def install_stop_signals(stop: asyncio.Event) -> None:
    """Set ``stop`` on SIGTERM or SIGINT; a second signal falls back to the default action so
    an operator can always kill a stuck process."""
    loop = asyncio.get_running_loop()

    def _on_signal(sig: signal.Signals) -> None:
        log.info("received %s, shutting down", sig.name)
        stop.set()
        loop.remove_signal_handler(sig)
        signal.signal(sig, signal.SIG_DFL)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _on_signal, sig)


async def run_until_signalled(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """A process's main coroutine: ``run(stop)`` with ``stop`` set by SIGTERM/SIGINT."""
    stop = asyncio.Event()
    install_stop_signals(stop)
    await run(stop)
