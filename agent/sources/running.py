"""② Running the sources: one informer per enabled kind and watch scope feeding the
``Pipeline``, in two phases (looked-up kinds first), the recheck timer, and the "complete"
announcement once every source finished its first list. ``run_sources`` is what the agent's
composition root (``agent.app``) starts.

Deliberately owns no per-object logic (``agent.sources.pipeline``), no per-kind bookkeeping
(``agent.sources.sinks``) and no list/watch protocol (``agent.sources.watching``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from agent.detect.settings import DetectSettings
from agent.detect.tracker import Tracker
from agent.sources.contextviews import CONTEXT_VIEWS
from agent.sources.pipeline import OutboxPort, Pipeline
from agent.sources.registry import SOURCES, enabled_sources
from agent.sources.settings import SourcesSettings
from agent.sources.sinks import KindSink, MirrorPort
from agent.sources.watching import Informer, Transport
from agent.telemetry.metrics import AgentMetrics
from shared.clock import now_ms
from shared.domain.journal import FindingBatch
from shared.domain.resources import SourceStatus

log = logging.getLogger(__name__)


def build_informers(
    *, settings: SourcesSettings, transport: Transport, pipeline: Pipeline
) -> list[Informer]:
    """One informer per enabled source and watch scope; disabled kinds are reported once."""
    chosen = enabled_sources(settings)
    enabled_kinds = {s.kind for s in chosen.values()}
    for spec in SOURCES.values():
        if spec.kind not in enabled_kinds:
            pipeline.mirror.set_source_status(SourceStatus(spec.kind, "disabled"))
            enabled_kinds.add(spec.kind)  # report each kind once
    informers: list[Informer] = []
    for name, spec in chosen.items():
        scopes = pipeline.filter.scopes(spec.namespaced)
        sink = KindSink(spec, pipeline=pipeline, scopes=scopes)
        for scope in scopes:
            informers.append(
                Informer(
                    name=name,
                    spec=spec,
                    namespace=scope,
                    transport=transport,
                    sink=sink,
                    settings=settings,
                )
            )
    return informers


async def recheck_forever(pipeline: Pipeline) -> None:
    interval = pipeline.settings.recheck_interval_s
    while True:
        await asyncio.sleep(interval)
        for _ in pipeline.recheck_steps(now_ms):
            await asyncio.sleep(0)  # watch events and the uplink run between steps


async def announce_complete(
    informers: Sequence[Informer], pipeline: Pipeline, *, timeout_s: float
) -> None:
    """Once every informer has settled (or ``timeout_s`` passed), let the mirror send its
    first snapshot and journal the complete set of active findings in one record, so the
    master can resolve what cleared while this agent was not running (a restarted agent
    remembers nothing to resolve)."""
    try:
        async with asyncio.timeout(timeout_s):
            for informer in informers:
                await informer.settled.wait()
    except TimeoutError:
        log.warning("announcing active findings before every source finished its first list")
    pipeline.mirror.release_snapshots()
    now = now_ms()
    pipeline.flush(now)
    active = tuple(pipeline.tracker.active())
    pipeline.outbox.put(FindingBatch(active, complete=True), now)
    log.info("initial detection pass done: %d active findings", len(active))


async def _after(first: Sequence[Informer], informer: Informer, *, timeout_s: float) -> None:
    """Start ``informer`` once the ``first`` informers settled (or ``timeout_s`` passed)."""
    try:
        async with asyncio.timeout(timeout_s):
            for f in first:
                await f.settled.wait()
    except TimeoutError:
        log.warning("source %s: starting before lookups finished their first list", informer.name)
    await informer.run()


async def run_sources(
    settings: SourcesSettings,
    *,
    kube: Transport,
    mirror: MirrorPort,
    outbox: OutboxPort,
    detect_settings: DetectSettings,
    stop: asyncio.Event,
    tracker: Tracker | None = None,
    metrics: AgentMetrics | None = None,
) -> None:
    """Run every informer and the recheck timer until ``stop`` is set.

    The mirror sends no snapshot until every source finished its first list (or the first
    phase timed out twice over), so the master never swaps its view for a half-listed cluster
    after an agent restart. The hold is taken before this coroutine's first await: an uplink
    started beside it cannot have been welcomed (network I/O) by then.

    Kinds that detectors look up (pods, ReplicaSets, Jobs, EndpointSlices...) list first; the
    kinds judged with those lookups start when they settled, so an initial list does not
    judge a Service against a half-filled pod index and report a false NoReadyEndpoints."""
    mirror.hold_snapshots()
    pipeline = Pipeline(
        settings=settings,
        detect_settings=detect_settings,
        mirror=mirror,
        outbox=outbox,
        tracker=tracker,
    )
    informers = build_informers(settings=settings, transport=kube, pipeline=pipeline)
    if metrics is not None:
        metrics.watch_informers(informers)  # their event counts, read at scrape time
    first = [i for i in informers if i.kind in CONTEXT_VIEWS]
    later = [i for i in informers if i.kind not in CONTEXT_VIEWS]
    log.info("watching %d sources (%s)", len(informers), ", ".join(i.name for i in informers))
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(i.run(), name=f"source:{i.name}") for i in first]
        tasks += [
            tg.create_task(
                _after(first, i, timeout_s=settings.first_phase_timeout_s),
                name=f"source:{i.name}",
            )
            for i in later
        ]
        tasks.append(tg.create_task(recheck_forever(pipeline), name="source:recheck"))
        tasks.append(
            tg.create_task(
                announce_complete(
                    informers, pipeline, timeout_s=2 * settings.first_phase_timeout_s
                ),
                name="source:complete",
            )
        )
        await stop.wait()
        for t in tasks:
            t.cancel()
