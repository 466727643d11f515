"""Every metric the agent exports, on one ``CollectorRegistry`` per agent process (not the
global default, so tests can run several agents in one process).

All of them are read at scrape time from the live parts (``watch_*``): informers' event
counts, the outbox's depth and drops, the uplink's link state and reconnects. A leadership
term builds new parts; ``watch_*`` then points at the new ones (counters restart from 0, which
Prometheus treats as a counter reset). Does not own serving (``serving``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

UPLINK_STATES = ("connected", "disconnected")


class Watching(Protocol):
    """An informer: its watched kind and the watch events it delivered."""

    @property
    def kind(self) -> str: ...
    @property
    def events(self) -> int: ...


class Spooling(Protocol):
    """The outbox: records held and records lost to gaps."""

    @property
    def depth(self) -> int: ...
    @property
    def acked(self) -> int: ...
    @property
    def last_seq(self) -> int: ...
    @property
    def dropped_total(self) -> int: ...


class Linking(Protocol):
    """The uplink: whether a session is up, sessions opened and re-dials after a loss."""

    @property
    def is_connected(self) -> bool: ...
    @property
    def sessions(self) -> int: ...
    @property
    def reconnects(self) -> int: ...


class AgentMetrics(Collector):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._informers: Sequence[Watching] = ()
        self._outbox: Spooling | None = None
        self._uplink: Linking | None = None
        self.registry.register(self)

    def watch_informers(self, informers: Sequence[Watching]) -> None:
        self._informers = tuple(informers)

    def watch_outbox(self, outbox: Spooling) -> None:
        self._outbox = outbox

    def watch_uplink(self, uplink: Linking) -> None:
        self._uplink = uplink

    def collect(self) -> Iterable[Metric]:
        events = CounterMetricFamily(
            "lookout_agent_watch_events",
            "Kubernetes watch events received (bookmarks not counted), by watched kind.",
            labels=["kind"],
        )
        by_kind: Counter[str] = Counter()
        for informer in self._informers:
            by_kind[informer.kind] += informer.events
        for kind, n in sorted(by_kind.items()):
            events.add_metric([kind], n)
        yield events
        if (outbox := self._outbox) is not None:
            yield GaugeMetricFamily(
                "lookout_agent_outbox_depth",
                "Journal records held in the outbox, not yet acknowledged by the master.",
                value=outbox.depth,
            )
            # The two ends of the held range: how far behind the master is, in sequence
            # numbers, and what a restarted agent resumes from (its spool keeps both).
            yield GaugeMetricFamily(
                "lookout_agent_outbox_acked_seq",
                "Highest journal sequence number the master acknowledged.",
                value=outbox.acked,
            )
            yield GaugeMetricFamily(
                "lookout_agent_outbox_last_seq",
                "Highest journal sequence number the outbox handed out.",
                value=outbox.last_seq,
            )
            yield CounterMetricFamily(
                "lookout_agent_outbox_dropped_records",
                "Journal records dropped because the outbox was full (reported as gaps).",
                value=outbox.dropped_total,
            )
        if (uplink := self._uplink) is not None:
            state = GaugeMetricFamily(
                "lookout_agent_uplink_state",
                "1 for the uplink's current state, 0 for the others.",
                labels=["state"],
            )
            now = "connected" if uplink.is_connected else "disconnected"
            for name in UPLINK_STATES:
                state.add_metric([name], 1 if name == now else 0)
            yield state
            yield CounterMetricFamily(
                "lookout_agent_uplink_sessions",
                "Sessions with the master that reached the stream (after the welcome).",
                value=uplink.sessions,
            )
            yield CounterMetricFamily(
                "lookout_agent_uplink_reconnects",
                "Times the uplink re-dialed the master after a failed or lost connection.",
                value=uplink.reconnects,
            )
