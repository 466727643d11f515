"""Is the store answering? A cheap probe with a timeout, for readiness.

Owns: one trivial query on a pooled reader connection, bounded by a timeout; the answer kept
for a moment, so a burst of probes (``/readyz`` needs no authentication) costs one query; and
logging when the answer changes. The answer is None (answering) or why not, for logs: it may
name the server, so a caller showing it to anonymous clients should not.

Does not own: what readiness means for the master (``master.gateway.routes.health``) or the
writer's state (``master.store.writing``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.errors import StoreError

log = logging.getLogger(__name__)

# A store that takes longer than this for ``SELECT 1`` cannot serve the API either; well
# under a kubelet probe's default timeout, so the probe answers 503 rather than timing out.
PROBE_TIMEOUT_S = 2.0
# An answer this recent is reused: probes come every few seconds, bursts share one query.
PROBE_FRESH_S = 1.0


class StoreProbe:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        where: str,
        timeout_s: float = PROBE_TIMEOUT_S,
        fresh_s: float = PROBE_FRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._where = where
        self._timeout = timeout_s
        self._fresh = fresh_s
        self._clock = clock
        self._lock = asyncio.Lock()
        self._at: float | None = None
        self._last: str | None = None

    async def check(self) -> str | None:
        """None while the store answers; otherwise why not."""
        if self._recent():
            return self._last
        async with self._lock:
            if not self._recent():  # another caller may have probed while this one waited
                answer = await self._query()
                if answer != self._last:
                    if answer is None:
                        log.info("history store at %s answers again", self._where)
                    else:
                        log.warning("history store at %s: %s", self._where, answer)
                self._last, self._at = answer, self._clock()
            return self._last

    def _recent(self) -> bool:
        return self._at is not None and self._clock() - self._at < self._fresh

    async def _query(self) -> str | None:
        try:
            async with asyncio.timeout(self._timeout):
                async with self._engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except TimeoutError:
            return f"no answer to a probe within {self._timeout:g} s"
        except (StoreError, SQLAlchemyError, OSError) as e:
            return f"probe failed: {e}"
        return None
