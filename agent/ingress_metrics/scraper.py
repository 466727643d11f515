"""The thin async shell: fetch each configured target's ``/metrics`` over HTTP (aiohttp), read
it with its source, step the deltas, and hand ``IngressSample`` records to the caller.

A target that fails (connection, timeout, HTTP status, unparsable text) is reported once as an
``IngressMetricsUnavailable`` event and then retried on a capped backoff, never in a hot loop;
its baseline is kept, so when it comes back its deltas cover the outage (marked as a gap)
without loss or doubling. Recovery is reported once too.

The composition root owns the session, the clock and the task; this module owns no journal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

from agent.ingress_metrics.deltas import Baseline, Delta, step
from agent.ingress_metrics.errors import IngressMetricsError
from agent.ingress_metrics.parsing import Parser
from agent.ingress_metrics.records import to_samples
from agent.ingress_metrics.sources import SOURCES, SeriesMap, SourceConfig
from shared.domain.ingress import IngressSample
from shared.retry import Backoff

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 15.0  # the controllers' own default scrape interval in their charts
DEFAULT_TIMEOUT_S = 5.0  # a third of the interval: a slow target must not delay the next round
DEFAULT_BACKOFF = Backoff(initial_s=15.0, factor=2.0, max_s=300.0, jitter=0.2)
REASON = "IngressMetricsUnavailable"


@dataclass(frozen=True, slots=True)
class TargetConfig:
    name: str
    url: str
    source: str
    config: SourceConfig = field(default_factory=SourceConfig)
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Finding-like event: ``resolved`` False when a target starts failing, True when back."""

    reason: str
    target: str
    url: str
    message: str
    at_ms: int
    resolved: bool = False


@dataclass(slots=True)
class _TargetState:
    series: SeriesMap
    parser: Parser = field(default_factory=Parser)
    baseline: Baseline | None = None
    failures: int = 0
    next_attempt_ms: int = 0
    reported: bool = False


Clock = Callable[[], int]


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def client_session() -> aiohttp.ClientSession:
    """The HTTP session the composition root opens for the scraper (aiohttp stays here)."""
    return aiohttp.ClientSession()


class Scraper:
    def __init__(
        self,
        targets: Sequence[TargetConfig],
        *,
        session: aiohttp.ClientSession,
        interval_s: float = DEFAULT_INTERVAL_S,
        backoff: Backoff = DEFAULT_BACKOFF,
        clock: Clock = _wall_ms,
    ) -> None:
        self._targets = tuple(targets)
        self._session = session
        self._interval_ms = round(interval_s * 1000)
        self._backoff = backoff
        self._clock = clock
        self._state = {t.name: _TargetState(series=SOURCES[t.source](t.config)) for t in targets}

    def set_targets(self, targets: Sequence[TargetConfig]) -> list[Unavailable]:
        """Replace the target list (discovery found pods come and go). A target that stays --
        same name, URL and source -- keeps its baseline and backoff, so a rediscovery neither
        drops an interval nor re-reports a failure; a gone target's state is forgotten, and if
        it was reported unavailable the report is closed (returned), so no finding outlives
        the pod it was about."""
        old = {t.name: t for t in self._targets}
        state: dict[str, _TargetState] = {}
        for t in targets:
            prev = old.get(t.name)
            same = prev is not None and (prev.url, prev.source) == (t.url, t.source)
            state[t.name] = (
                self._state[t.name] if same else _TargetState(series=SOURCES[t.source](t.config))
            )
        now = self._clock()
        closed = [
            Unavailable(REASON, t.name, t.url, "no longer a target", now, resolved=True)
            for t in self._targets
            if self._state[t.name].reported and state.get(t.name) is not self._state[t.name]
        ]
        self._targets, self._state = tuple(targets), state
        return closed

    async def scrape_once(self) -> tuple[list[Delta], list[Unavailable]]:
        """One round over every target that is due; targets run concurrently."""
        now = self._clock()
        due = [t for t in self._targets if self._state[t.name].next_attempt_ms <= now]
        results = await asyncio.gather(*(self._scrape(t) for t in due))
        deltas = [d for ds, _ in results for d in ds]
        events = [e for _, e in results if e is not None]
        return deltas, events

    async def run(
        self,
        emit: Callable[[list[IngressSample]], Awaitable[None]],
        report: Callable[[Unavailable], Awaitable[None]],
    ) -> None:
        """Scrape every interval until cancelled."""
        while True:
            deltas, events = await self.scrape_once()
            for e in events:
                await report(e)
            samples = to_samples(deltas)
            if samples:
                await emit(samples)
            await asyncio.sleep(self._interval_ms / 1000)

    async def _scrape(self, t: TargetConfig) -> tuple[list[Delta], Unavailable | None]:
        st = self._state[t.name]
        try:
            text = await self._fetch(t)
            readings = st.series.read(st.parser.parse(text))
        except (aiohttp.ClientError, TimeoutError, IngressMetricsError) as e:
            return [], self._failed(t, st, f"{type(e).__name__}: {e}")
        at = self._clock()
        st.baseline, deltas = step(
            st.baseline, readings, at_ms=at, expected_interval_ms=self._interval_ms, target=t.name
        )
        event = None
        if st.reported:
            log.info("ingress metrics target %s is back", t.name)
            event = Unavailable(REASON, t.name, t.url, "scraped again", at, resolved=True)
        st.failures, st.next_attempt_ms, st.reported = 0, 0, False
        return deltas, event

    async def _fetch(self, t: TargetConfig) -> str:
        timeout = aiohttp.ClientTimeout(total=t.timeout_s)
        async with self._session.get(t.url, timeout=timeout) as resp:
            resp.raise_for_status()
            return await resp.text()

    def _failed(self, t: TargetConfig, st: _TargetState, message: str) -> Unavailable | None:
        now = self._clock()
        st.next_attempt_ms = now + round(self._backoff.delay(st.failures) * 1000)
        st.failures += 1
        if st.reported:
            return None
        st.reported = True
        log.warning("ingress metrics target %s unavailable: %s", t.name, message)
        return Unavailable(REASON, t.name, t.url, message, now)
