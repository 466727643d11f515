"""⑧ API tokens' last-used time, written at most once a minute per token: the value is for
people ("is this CI token still used?"), not for accounting, and a write per request would
put the store writer on every automated call's path. The write runs beside the request (never
delays it); a failed write is logged and retried at the next use after the interval."""

from __future__ import annotations

import asyncio
import logging

from master.store import Store

log = logging.getLogger(__name__)

WRITE_EVERY_MS = 60_000
_MAX_TRACKED = 10_000


class TokenUsage:
    def __init__(self, store: Store | None = None) -> None:
        self._store = store
        self._written: dict[str, int] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def note(self, token_id: str, now_ms: int) -> None:
        if self._store is None or now_ms - self._written.get(token_id, 0) < WRITE_EVERY_MS:
            return
        if len(self._written) >= _MAX_TRACKED:
            self._written.clear()
        self._written[token_id] = now_ms
        task = asyncio.get_running_loop().create_task(self._write(self._store, token_id, now_ms))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, store: Store, token_id: str, now_ms: int) -> None:
        try:
            await store.api_tokens.touch(token_id, now_ms)
        except Exception:  # a store hiccup must not surface as a request error
            log.warning("could not record the use of API token %s", token_id, exc_info=True)
            self._written.pop(token_id, None)

    async def drain(self) -> None:
        """Wait for writes in flight (shutdown, tests)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
