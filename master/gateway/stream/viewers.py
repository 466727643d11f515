"""Who sees which change: a stream's topics, its optional cluster, and the caller's grants.

The rules are the list routes' (``routes/clusters``, ``routes/resources``, ``routes/findings``,
``GET /commands``): a change of a cluster the caller cannot see at all is never shown; an
object's change (resource, finding, command) needs read on the whole cluster or on the
object's namespace (cluster-scoped objects and node findings need the whole cluster); a fact
about the cluster as a whole (its status, a resync of it) needs read anywhere in it. Alerts are
GET /alerts' ``may(caller, READ, labels)``: by their ``cluster`` and ``namespace`` labels the
same rules, and an alert of no cluster needs a global grant (``stream.alerts`` publishes them
so); a stream of one cluster gets only that cluster's alerts, as ``GET /alerts?cluster=``.

Pure and cheap, as it runs once per change per stream: a caller with a global grant pays a set
lookup; others a dict lookup of their namespaces in that cluster (cached per stream)."""

from __future__ import annotations

from dataclasses import dataclass, field

from master.auth.roles import GLOBAL, Grants
from master.datahub.changes import Change, Topic

# Query names (plural, like the REST collections) -> event names (one of each).
TOPICS: dict[str, Topic] = {
    "clusters": "cluster",
    "resources": "resource",
    "findings": "finding",
    "commands": "command",
    "alerts": "alert",
}


class UnknownTopic(ValueError):
    pass


def parse_topics(text: str) -> frozenset[Topic]:
    """``clusters,resources`` -> the event topics, resync always among them."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in TOPICS]
    if unknown or not names:
        raise UnknownTopic(
            f"unknown topics {unknown}" if unknown else "no topics named",
        )
    return frozenset({TOPICS[n] for n in names} | {"resync"})


@dataclass(slots=True)
class Viewer:
    grants: Grants
    topics: frozenset[Topic]
    cluster: str | None = None  # only this cluster's changes (resyncs of all clusters pass)
    everywhere: bool = field(init=False)  # a global grant: every cluster, every namespace
    _scopes: dict[str, frozenset[str] | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Every role holds read, so any global grant sees everything.
        self.everywhere = any(g.scope == GLOBAL for g in self.grants.grants)

    def sees_cluster(self, cluster: str) -> bool:
        return self.everywhere or self.grants.sees_cluster(cluster)

    def sees(self, change: Change) -> bool:
        if change.topic not in self.topics:
            return False
        if change.topic == "alert" and not change.cluster:
            return self.everywhere and self.cluster is None  # an alert of no cluster
        if self.cluster is not None and change.cluster and change.cluster != self.cluster:
            return False
        if self.everywhere or not change.cluster:
            return True
        scopes = self._scopes
        try:
            allowed = scopes[change.cluster]
        except KeyError:
            allowed = scopes[change.cluster] = self.grants.namespaces(change.cluster)
        if allowed is None:
            return True
        namespace = change.namespace
        return bool(allowed) if namespace is None else namespace in allowed
