"""The store's housekeeping loop: roll-ups, then retention purges, every interval.

``run_maintenance`` is a long-lived task for the master's TaskGroup; ``maintain_once`` is one
pass with an explicit ``now_ms``, which tests and the benchmark call directly. Every unit of
work is a short writer job with a pause between, so housekeeping never stalls journal commits.

``run_maintenance(store, settings, stop)`` keeps its three positional parameters: the master's
composition root calls it that way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from master.store.errors import StoreError
from master.store.settings import StoreSettings
from master.store.upkeep.retention import PURGES, blank_expired, cutoff_ms, purge_chunk
from master.store.upkeep.rollups import ROLLUPS, roll_up_step
from shared.clock import now_ms as wall_ms

if TYPE_CHECKING:
    from master.store.store import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class MaintenanceReport:
    rolled_up: dict[str, int] = field(default_factory=dict)  # roll-up name -> buckets written
    purged: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    blanked: dict[str, int] = field(default_factory=dict)  # BLANKS entry -> row bodies emptied


async def maintain_once(
    store: Store, settings: StoreSettings, *, now_ms: int, stop: asyncio.Event | None = None
) -> MaintenanceReport:
    """One pass: bring every roll-up up to date, purge every table past its retention, then
    blank the bodies kept for less (``BLANKS``). Returns early (partial report) once ``stop``
    is set."""
    report = MaintenanceReport()
    for name in ROLLUPS:
        report.rolled_up[name] = 0
        caught_up = False
        while not caught_up and not _stopping(stop):
            written, caught_up = await roll_up_step(
                store.writer,
                name,
                now_ms=now_ms,
                delay_ms=int(settings.rollup_delay_s * 1000),
            )
            report.rolled_up[name] += written
            await asyncio.sleep(settings.purge_pause_s)
    for table, purge in PURGES.items():
        cutoff = cutoff_ms(purge, settings, now_ms)
        report.purged[table] = 0
        while not _stopping(stop):
            deleted = await purge_chunk(
                store.writer,
                purge,
                backend=store.backend,
                cutoff=cutoff,
                limit=settings.purge_chunk_rows,
            )
            report.purged[table] += deleted
            if deleted < settings.purge_chunk_rows:
                break
            await asyncio.sleep(settings.purge_pause_s)
    report.blanked = await blank_expired(
        store.writer, settings, backend=store.backend, now_ms=now_ms, stop=stop
    )
    return report


FIRST_PASS_MAX_DELAY_S = 30.0


async def run_maintenance(
    store: Store,
    settings: StoreSettings,
    stop: asyncio.Event,
    *,
    clock: Callable[[], int] = wall_ms,
) -> None:
    """Run :func:`maintain_once` every ``maintenance_interval_s`` until ``stop`` is set. A
    failed pass is logged and retried next interval: housekeeping must not take the master
    down with it.

    The first pass waits ``min(interval, FIRST_PASS_MAX_DELAY_S)``: a master just started is
    busy taking back its agents' spooled records, and housekeeping can wait for that."""
    with contextlib.suppress(TimeoutError):
        first = min(settings.maintenance_interval_s, FIRST_PASS_MAX_DELAY_S)
        await asyncio.wait_for(stop.wait(), timeout=first)
    while not stop.is_set():
        try:
            report = await maintain_once(store, settings, now_ms=clock(), stop=stop)
        except StoreError as e:
            log.warning("store maintenance pass failed, retrying next interval: %s", e)
        else:
            purged = sum(report.purged.values())
            if purged:
                log.info("store maintenance purged %d rows: %s", purged, report.purged)
            if any(report.blanked.values()):
                log.info("store maintenance blanked expired bodies: %s", report.blanked)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.maintenance_interval_s)


def _stopping(stop: asyncio.Event | None) -> bool:
    return stop is not None and stop.is_set()
