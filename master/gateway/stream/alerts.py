"""Alert events: after each committed step of the alert service, the alerts whose view changed
are published to the change feed as ``alert`` events (``{op, alert}``, ``alert`` an item of
GET /alerts; ``alert_diff`` says what counts as a change).

The alert service calls ``AlertEvents.committed(now_ms, fingerprints)`` on its own task, once a
step's transaction committed (``master.app`` wires it): a step that failed and was rolled back
publishes nothing, and its effects are published with the step that commits them. Viewed are
the alerts whose rows the step wrote, and those an inhibition source among them may have muted
or released (``alert_diff.inhibition_reach``); every alert (O(alerts), as GET /alerts) only
when the active silences differ (one was added or expired, or began or ended with time: the
service steps at those instants), the config changed (routes decide receivers), or the engine
was rebuilt from the store after a failed step.

An event's scope is the alert's: ``cluster`` and ``namespace`` from its labels (namespace None:
the cluster as a whole; no cluster label: global grants only; ``stream.viewers``)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from master.alerts.engine import AlertEngine
from master.datahub.changes import ChangeFeed
from master.gateway.routes.alert_views import alert_json
from master.gateway.stream.alert_diff import (
    AlertChange,
    AlertJson,
    diff,
    inhibition_reach,
    moved_sources,
)


def _active_silences(engine: AlertEngine, now_ms: int) -> frozenset[str]:
    return frozenset(s.id for s in engine.silences.values() if s.active_at(now_ms))


class AlertEvents:
    """What the stream has been told about the alerts, and the step observer that tells more."""

    def __init__(self, feed: ChangeFeed, engine: Callable[[], AlertEngine]) -> None:
        self.feed = feed
        self.engine = engine  # the service's engine now (a rebuilt one after a failed step)
        self.published = 0
        self._seen: dict[str, AlertJson] = {}
        self._engine: AlertEngine | None = None
        self._config: object = None
        self._silences: frozenset[str] = frozenset()

    def learn(self, now_ms: int) -> None:
        """Take the current alerts as told (at start: nobody has missed anything yet)."""
        engine = self.engine()
        self._seen = {v.record.fingerprint: alert_json(v) for v in engine.view(now_ms)}
        self._remember(engine, now_ms)

    def _remember(self, engine: AlertEngine, now_ms: int) -> None:
        self._engine, self._config = engine, engine.config
        self._silences = _active_silences(engine, now_ms)

    def committed(self, now_ms: int, fingerprints: Collection[str]) -> None:
        """The alert service's step observer: publish what the committed step changed."""
        engine = self.engine()
        seen = self._seen
        everything = (
            engine is not self._engine
            or engine.config is not self._config
            or _active_silences(engine, now_ms) != self._silences
        )
        if everything:
            views = self._views(engine, now_ms, None)
            gone: Collection[str] = seen.keys() - views.keys()
        else:
            views = self._views(engine, now_ms, fingerprints)
            gone = [fp for fp in fingerprints if fp not in engine.alerts]
            sources = moved_sources(seen, views, gone)
            if sources:  # the alerts those sources may inhibit or release, viewed too
                firing = [(fp, a.labels) for fp, a in engine.alerts.items() if a.notifiable]
                more = inhibition_reach(engine.inhibit_rules, sources, firing) - views.keys()
                views |= self._views(engine, now_ms, more)
        self._remember(engine, now_ms)
        changes = diff(seen, views, gone)
        for fp in gone:
            seen.pop(fp, None)
        seen.update(views)
        for change in changes:
            self._publish(change)

    @staticmethod
    def _views(
        engine: AlertEngine, now_ms: int, only: Collection[str] | None
    ) -> dict[str, dict[str, Any]]:
        if only is not None and not only:
            return {}
        out = {}
        for v in engine.view(now_ms, only):
            view = alert_json(v)
            # the record's own dicts: copied, as the event is encoded later (on first send)
            view["labels"], view["annotations"] = dict(view["labels"]), dict(view["annotations"])
            out[v.record.fingerprint] = view
        return out

    def _publish(self, change: AlertChange) -> None:
        labels = change.alert["labels"]
        self.feed.publish(
            "alert",
            cluster=labels.get("cluster", ""),
            namespace=labels.get("namespace") or None,
            op=change.op,
            subject=change.payload(),
        )
        self.published += 1
