"""The SLO service: one task brings the store's counts up to date and evaluates every SLO.

Every ``evaluate_s``: reload the definitions file when it changed, ``refresh`` the per-minute
(and hour and day) counts from the ingress samples that arrived, sum each SLO's windows in two
grouped queries (minutes for the short windows, hours for the long ones and the SLO's own
window), compute its status (``status``) and hand the burn-rule signals whose state changed to
the alert service through ``offer`` -- all of them on the first pass after a start, so an
alert that resolved while the master was down is resolved. An SLO removed from the file has its
counts forgotten and its alerts resolved.

The gateway reads ``statuses`` (the last pass; at most ``evaluate_s`` old) and asks for series
and reports, which read the store. Deliberately not here: the maths (``master.slo``), the
routing of the alerts (``master.alerting``), HTTP (``master.gateway.routes.slos``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from master.alerts.events import AlertSignal
from master.errors import Conflict
from master.slo.burn import BurnSignal
from master.slo.counts import HOUR_MS, MINUTE_MS, Count, Totals, roll_up
from master.slo.definitions import Slo
from master.slo.reports import SloReport, report
from master.slo.windows import DAY_MS, period_bounds
from master.slo_service import config as slo_config
from master.slo_service.config import EMPTY, SloConfig, SloConfigError
from master.slo_service.policy import Held, Lookup, holding
from master.slo_service.settings import SloSettings
from master.slo_service.status import SloStatus, since, status
from master.store import Store
from master.store.repositories.slo_counts import Resolution
from shared.clock import now_ms
from shared.errors import ConfigError
from shared.files import mtime_ns, read_only, write_text_atomically

log = logging.getLogger(__name__)

Offer = Callable[[Sequence[AlertSignal]], Awaitable[None]]


def _alert_signal(s: BurnSignal) -> AlertSignal:
    return AlertSignal(**asdict(s))


async def _no_alerts(_signals: Sequence[AlertSignal]) -> None:
    return None


@dataclass(slots=True)
class SloService:
    store: Store
    settings: SloSettings
    config_path: Path
    offer: Offer = _no_alerts  # the alert service's port, wired by the composition root
    clock_ms: Callable[[], int] = now_ms
    config: SloConfig = field(default_factory=lambda: slo_config.parse(EMPTY, source="<none>"))
    statuses: dict[str, SloStatus] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # SLO name -> why it is not counted
    last_pass_ms: int = 0
    _mtime: int | None = None
    _offered: dict[str, BurnSignal] = field(default_factory=dict)  # key -> last offered
    _first: bool = True
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    # -- config ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Read the definitions. A bad file at start is a ConfigError: there is nothing
        running to keep, and silently tracking no SLO would look like "all is well"."""
        try:
            await self._read()
        except SloConfigError as e:
            raise ConfigError(f"the SLO definitions are invalid:\n{e}") from e
        except OSError as e:
            raise ConfigError(f"cannot read the SLO definitions {self.config_path}: {e}") from e
        log.info("slo: %d SLO(s) from %s", len(self.config.slos), self.config_path)

    async def _read(self) -> None:
        stamp = await asyncio.to_thread(mtime_ns, self.config_path)
        if stamp is None:
            self.config, self._mtime = slo_config.parse(EMPTY, source="<none>"), None
            return
        text = await asyncio.to_thread(self.config_path.read_text, encoding="utf-8")
        self.config = slo_config.parse(text, source=str(self.config_path))
        self._mtime = stamp

    def validate(self, text: str) -> SloConfig:
        return slo_config.parse(text, source="slos.yaml")

    async def replace_config(self, text: str) -> SloConfig:
        """Check, write atomically, run: a refused text changes nothing. Conflict when the file
        cannot be written because it is mounted read-only (the chart's ConfigMap): the running
        definitions are kept."""
        new = self.validate(text)
        async with self._lock:
            try:
                stamp = await asyncio.to_thread(write_text_atomically, self.config_path, text)
            except OSError as e:
                if not read_only(e):
                    raise
                raise Conflict(
                    f"the SLO definitions are mounted from {self.config_path} (read-only: "
                    f"{e.strerror}): change them where they come from — with the Helm chart, "
                    "slo.definitions or the ConfigMap named by slo.existingConfigMap; the "
                    "running definitions are kept"
                ) from e
            self._mtime = stamp
            await self._swap(new)
        self._wake.set()
        return new

    async def _swap(self, new: SloConfig) -> None:
        gone = {s.name for s in self.config.slos} - {s.name for s in new.slos}
        self.config = new
        for name in gone:
            await self.store.slo_counts.forget(name)
            self.statuses.pop(name, None)
            self.problems.pop(name, None)
        ended = [
            replace(sig, active=False, at_ms=self.clock_ms())
            for sig in self._offered.values()
            if sig.active and sig.labels.get("slo") in gone
        ]
        for sig in ended:
            self._offered[sig.key] = sig
        if ended:
            await self.offer([_alert_signal(s) for s in ended])

    async def _maybe_reload(self) -> None:
        stamp = await asyncio.to_thread(mtime_ns, self.config_path)
        if stamp == self._mtime:
            return
        try:
            text = "" if stamp is None else self.config_path.read_text(encoding="utf-8")
            new = slo_config.parse(text or EMPTY, source=str(self.config_path))
        except (SloConfigError, OSError) as e:
            self._mtime = stamp  # reported once per change of the file, not every pass
            log.error("slo: the changed definitions are refused, the running ones kept:\n%s", e)
            return
        self._mtime = stamp
        await self._swap(new)
        log.info("slo: definitions reloaded, %d SLO(s)", len(new.slos))

    # -- the loop ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """A pass every ``evaluate_s``; sooner when the definitions file changed (its mtime is
        checked every ``config_poll_s``) or the API replaced it."""
        while not stop.is_set():
            try:
                await self.evaluate()
            except Exception:  # a store hiccup must not end SLO tracking; the next pass retries
                log.exception("slo: evaluation pass failed")
            self._wake.clear()
            due = asyncio.get_running_loop().time() + self.settings.evaluate_s
            while not stop.is_set() and not self._wake.is_set():
                left = due - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                await self._sleep(stop, min(left, self.settings.config_poll_s))
                stamp = await asyncio.to_thread(mtime_ns, self.config_path)
                if stamp != self._mtime:
                    break  # the next pass reloads it

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def evaluate(self) -> list[AlertSignal]:
        """One pass; returns the signals offered (for tests and the bench)."""
        async with self._lock:
            await self._maybe_reload()
            now = self.clock_ms()
            slos = self.config.slos
            refresh = await self.store.slo_counts.refresh(slos, tz=self.config.timezone, now_ms=now)
            for name in refresh.minutes:
                self.problems.pop(name, None)  # counted again
            for name, n in refresh.skipped.items():
                self.problems[name] = (
                    f"{n} sample(s) left out: the latency threshold is not one of the "
                    "controller's histogram bucket bounds"
                )
            statuses = await self._statuses(slos, now)
            self.statuses = {s.slo.name: s for s in statuses}
            self.last_pass_ms = now
            offered = self._changed(statuses)
        if offered:
            await self.offer(offered)
        return offered

    async def _statuses(self, slos: Sequence[Slo], now: int) -> list[SloStatus]:
        ats = {s.name: since(s, now) for s in slos}
        minutes = await self.store.slo_counts.sums(
            "m", {n: dict(a.minutes) for n, a in ats.items()}
        )
        hours = await self.store.slo_counts.sums(
            "h", {n: {**a.hours, 0: a.window_start_ms} for n, a in ats.items()}
        )
        out: list[SloStatus] = []
        for slo in slos:
            at = ats[slo.name]
            m, h = minutes.get(slo.name, {}), hours.get(slo.name, {})
            sums = {k: Totals(*m.get(k, (0, 0))) for k in at.minutes}
            sums |= {k: Totals(*h.get(k, (0, 0))) for k in at.hours}
            out.append(status(slo, now, at, sums, Totals(*h.get(0, (0, 0)))))
        return out

    def _changed(self, statuses: Sequence[SloStatus]) -> list[AlertSignal]:
        changed: list[AlertSignal] = []
        for st in statuses:
            for sig in st.signals:
                last = self._offered.get(sig.key)
                if self._first or last is None or last.active != sig.active:
                    changed.append(_alert_signal(sig))
                self._offered[sig.key] = sig
        self._first = False
        return changed

    # -- reads for the gateway ---------------------------------------------------------------

    def slo(self, name: str) -> Slo | None:
        return self.config.by_name(name)

    async def series(self, slo: Slo, start_ms: int, end_ms: int, step_ms: int) -> list[Count]:
        """Counts summed into ``step`` buckets over [start, end), from the coarsest stored
        resolution that is no coarser than the step (minutes, UTC hours or local days)."""
        resolution: Resolution = "d" if step_ms >= DAY_MS else "h" if step_ms >= HOUR_MS else "m"
        unit = {"m": MINUTE_MS, "h": HOUR_MS, "d": DAY_MS}[resolution]
        step_ms = max(unit, step_ms - step_ms % unit)
        counts = await self.store.slo_counts.read(slo.name, resolution, start_ms, end_ms)
        if resolution == "d":
            return counts
        first = start_ms - start_ms % step_ms
        return roll_up(counts, list(range(first, end_ms, step_ms)))

    async def report(self, slo: Slo, period: str) -> SloReport:
        tz = self.config.timezone
        start, end = period_bounds(period, tz)
        days = await self.store.slo_counts.read(slo.name, "d", start, end)
        return report(slo, days, period=period, tz=tz)

    def policy_holds(
        self,
        *,
        cluster: str,
        kind: str,
        namespace: str,
        name: str,
        cmd_type: str,
        params: Mapping[str, Any],
        lookup: Lookup,
    ) -> list[Held]:
        """The exhausted SLOs (error-budget policy on) that hold this command back."""
        remaining = {
            n: st.budget.remaining
            for n, st in self.statuses.items()
            if n in self.config.policy and st.totals.total
        }
        return holding(
            self.config.slos,
            remaining,
            cluster=cluster,
            kind=kind,
            namespace=namespace,
            name=name,
            cmd_type=cmd_type,
            params=params,
            lookup=lookup,
        )
