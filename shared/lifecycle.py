"""Process lifetime: turn SIGTERM/SIGINT into an asyncio Event that composition roots await.

Phased shutdown itself (health NOT_SERVING -> stop accepting -> drain -> flush -> cancel) is the
composition root's job, because only it knows the order of its parts."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


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
