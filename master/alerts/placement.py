"""Where each alert sits: its routes and group keys, and each group's alerts, kept as an index.

Recomputed for an alert only when its labels change (or the route tree does), so a ``due``
that flushes one group looks at that group's alerts only, not at every alert the engine
holds. Not persisted: it is derived from the alerts and the config, and rebuilt after a
restart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from master.alerts.grouping import group_id
from master.alerts.routing import Route, group_key


@dataclass(frozen=True, slots=True)
class Place:
    group_id: str
    group_key: str
    route: Route


LabelsKey = tuple[tuple[str, str], ...]


class Placement:
    def __init__(self, root: Route) -> None:
        self.root = root
        self._by_alert: dict[str, tuple[LabelsKey, tuple[Place, ...]]] = {}
        self._by_group: dict[str, set[str]] = {}
        self._route_cache: dict[LabelsKey, tuple[Place, ...]] = {}

    def place(self, fingerprint: str, labels: Mapping[str, str]) -> tuple[Place, ...]:
        key = tuple(sorted(labels.items()))
        held = self._by_alert.get(fingerprint)
        if held is not None and held[0] == key:
            return held[1]
        self.unplace(fingerprint)
        places = self._route_cache.get(key)
        if places is None:
            if len(self._route_cache) > 50_000:
                self._route_cache.clear()
            places = tuple(
                Place(group_id(r.opts.receiver, gk), gk, r)
                for r in self.root.match(labels)
                for gk in (group_key(r, labels),)
            )
            self._route_cache[key] = places
        self._by_alert[fingerprint] = (key, places)
        for p in places:
            self._by_group.setdefault(p.group_id, set()).add(fingerprint)
        return places

    def unplace(self, fingerprint: str) -> None:
        held = self._by_alert.pop(fingerprint, None)
        if held is None:
            return
        for p in held[1]:
            fps = self._by_group.get(p.group_id)
            if fps is not None:
                fps.discard(fingerprint)
                if not fps:
                    del self._by_group[p.group_id]

    def members(self, gid: str) -> list[str]:
        return sorted(self._by_group.get(gid, ()))

    def places(self, fingerprint: str) -> tuple[Place, ...]:
        held = self._by_alert.get(fingerprint)
        return held[1] if held is not None else ()
