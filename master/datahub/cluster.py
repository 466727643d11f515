"""One cluster's current state in memory: mirrored objects, agent and link facts, active
findings (the agent's, and apart from them the few the master raises itself, e.g. a shared
agent token), the latest node metrics, and the bounds the agent reached.

Snapshots are staged and swapped in with one assignment when their ``Synced`` marker arrives,
so readers never see a half-applied snapshot and objects deleted while the agent was away
disappear. Mirrored objects are bounded per kind and in bytes (``LimitsSettings``); the live
state and a staged snapshot are each bounded on their own. What a reached bound does is drawn
in ``master.datahub.limits``.

Every change a reader can see is published to the hub's change feed (``changes``, when set:
``master.datahub.changes``): each accepted upsert and each delete of the live state, the
differences a snapshot swap made (or one resync of the cluster when they are many, or when the
cluster had no state yet), and the master's own findings raised, refreshed or cleared. Staged
snapshot chunks publish nothing: readers never saw them.

Deliberately owns no I/O and no protocol checks (``master.ingress.reading``)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from master.datahub.changes import ChangeFeed
from master.datahub.ingress import Rings
from master.datahub.limits import HitKey, LimitHit, describe, finding_for, fingerprint_of
from master.datahub.settings import LimitsSettings
from shared.clock import now_ms
from shared.domain.findings import Finding
from shared.domain.metrics import NodeMetricsSample
from shared.domain.resources import Resource, ResourceDelta, SourceStatus, Synced

log = logging.getLogger(__name__)

ObjKey = tuple[str, str]  # (namespace, name)
KindMap = dict[str, dict[ObjKey, Resource]]


def resource_size(res: Resource) -> int:
    """The bytes ``resource_bytes`` counts for one object: what the agent chose the length of."""
    ref, labels = res.ref, res.labels
    size = len(res.body_json) + len(ref.name) + len(ref.namespace) + len(ref.uid)
    size += len(res.resource_version)
    if labels:
        size += sum(map(len, labels)) + sum(map(len, labels.values()))
    return size


@dataclass(slots=True)
class AgentInfo:
    session_id: str = ""
    instance_id: str = ""
    version: str = ""
    capabilities: tuple[str, ...] = ()
    connected_since_ms: int = 0


@dataclass(slots=True)
class ClusterState:
    name: str
    resources: KindMap = field(default_factory=dict)
    synced: bool = False  # a full snapshot has been applied since the master started
    agent: AgentInfo = field(default_factory=AgentInfo)
    stream_open: bool = False
    last_heard: float | None = None  # monotonic seconds
    last_heard_ms: int = 0  # wall clock, for the API
    hwm: int = 0
    gaps_dropped: int = 0
    spool_depth: int = 0
    sources: dict[str, SourceStatus] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    # Raised by the master about this cluster (master.clusters.sharing), kept apart from the
    # agent's: an agent's complete finding batch resolves what it does not list, and it
    # cannot know these.
    master_findings: dict[str, Finding] = field(default_factory=dict)
    node_metrics: dict[str, NodeMetricsSample] = field(default_factory=dict)
    ingress: Rings = field(default_factory=dict)  # recent samples per route (datahub.ingress)
    bounds: LimitsSettings = field(default_factory=LimitsSettings)
    limits: dict[HitKey, LimitHit] = field(default_factory=dict)  # bounds reached, by key
    resource_bytes: int = 0  # ``resource_size`` summed over ``resources``
    changes: ChangeFeed | None = None  # where readers learn of changes (None: nobody listens)
    _staging: KindMap | None = None
    _staging_id: int = 0
    _staging_bytes: int = 0
    _staging_refused: set[HitKey] = field(default_factory=set)

    # -- mirrored state --------------------------------------------------------------------------

    def apply_delta(self, delta: ResourceDelta) -> None:
        staged = bool(delta.snapshot_id)
        if staged:
            if delta.snapshot_id != self._staging_id or self._staging is None:
                self._staging, self._staging_id = {}, delta.snapshot_id
                self._staging_bytes, self._staging_refused = 0, set()
            target = self._staging.setdefault(delta.kind, {})
            size = self._staging_bytes
        else:
            target = self.resources.setdefault(delta.kind, {})
            size = self.resource_bytes
        max_objects, max_bytes = self.bounds.objects_per_kind, self.bounds.resource_bytes
        too_many = too_big = 0
        get = target.get
        feed = None if staged else self.changes
        for res in delta.upserts:
            ref = res.ref
            key = (ref.namespace, ref.name)
            old = get(key)
            if old is None:
                if len(target) >= max_objects:
                    too_many += 1
                    continue
                grow = resource_size(res)
            else:
                grow = resource_size(res) - resource_size(old)
            if grow > 0 and size + grow > max_bytes:
                too_big += 1
                continue
            target[key] = res
            size += grow
            if feed is not None:
                feed.publish(
                    "resource", cluster=self.name, namespace=ref.namespace, op="upsert", subject=res
                )
        for ref in delta.deletes:
            gone = target.pop((ref.namespace, ref.name), None)
            if gone is not None:
                size -= resource_size(gone)
                if feed is not None:
                    feed.publish(
                        "resource",
                        cluster=self.name,
                        namespace=gone.ref.namespace,
                        op="delete",
                        subject=gone,
                    )
        if staged:
            self._staging_bytes = size
        else:
            self.resource_bytes = size
        if too_many:
            self._refused(("objects_per_kind", delta.kind), too_many, staged=staged)
        if too_big:
            self._refused(("resource_bytes", ""), too_big, staged=staged)

    def apply_synced(self, synced: Synced) -> bool:
        """Swap in the staged snapshot; False if the marker matches no staged snapshot."""
        if synced.snapshot_id != self._staging_id:
            if synced.objects == 0 and self._staging is None:
                self._publish_swap({})
                self.resources, self.synced = {}, True  # an empty cluster sends no chunks
                self.resource_bytes = 0
                self._whole_again(set())
                return True
            log.warning(
                "cluster %s: synced marker %d without its snapshot", self.name, synced.snapshot_id
            )
            return False
        staged = self._staging or {}
        for kind in synced.kinds:
            staged.setdefault(kind, {})
        self._publish_swap(staged)
        self.resources, self.resource_bytes = staged, self._staging_bytes
        self._whole_again(self._staging_refused)
        self._staging, self._staging_id, self.synced = None, 0, True
        self._staging_bytes, self._staging_refused = 0, set()
        return True

    def _publish_swap(self, new: KindMap) -> None:
        """Tell readers what replacing ``resources`` with ``new`` changes: each difference, or
        one resync of this cluster when there is no state they could hold yet (the first
        snapshot since the master started) or the differences pass the feed's ``swap_max``."""
        feed = self.changes
        if feed is None:
            return
        if not self.synced:
            feed.publish("resync", cluster=self.name, namespace=None, op="snapshot", subject=None)
            return
        found = list(_differences(self.resources, new, feed.swap_max + 1))
        if len(found) > feed.swap_max:
            feed.publish("resync", cluster=self.name, namespace=None, op="snapshot", subject=None)
            return
        for op, res in found:
            ns = res.ref.namespace
            feed.publish("resource", cluster=self.name, namespace=ns, op=op, subject=res)

    def reset_link(self) -> None:
        """A new session starts: drop a half-received snapshot of the previous one."""
        self._staging, self._staging_id = None, 0
        self._staging_bytes, self._staging_refused = 0, set()

    # -- bounds reached ------------------------------------------------------------------------

    def limit_hit(self, key: HitKey, refused: int, *, seq: int = 0) -> None:
        """Record that ``refused`` items met the bound ``key`` names, and raise (or refresh) the
        master's finding about it."""
        now = now_ms()
        hit = self.limits.get(key)
        if hit is None:
            limit, scope = key
            bound = getattr(self.bounds, limit)
            hit = LimitHit(limit, scope, bound, 0, now, now, describe(limit, scope, bound), seq)
            self.limits[key] = hit
            log.warning("cluster %s: %s", self.name, hit.message)
        hit.refused += refused
        hit.last_ms = now
        hit.seq = max(hit.seq, seq)
        fingerprint = fingerprint_of(key)
        was = self.findings.get(fingerprint)
        self.findings[fingerprint] = finding = finding_for(self.name, hit)
        self.finding_changed("opened" if was is None else "changed", finding)

    def limit_cleared(self, key: HitKey) -> None:
        if self.limits.pop(key, None) is not None:
            gone = self.findings.pop(fingerprint_of(key), None)
            if gone is not None:
                self.finding_changed("resolved", gone)
            log.info("cluster %s: back within %s", self.name, key[0])

    def finding_changed(self, op: str, finding: Finding) -> None:
        """Publish that an active finding of this cluster was opened, changed or resolved."""
        if self.changes is not None:
            self.changes.publish(
                "finding",
                cluster=self.name,
                namespace=finding.subject.namespace,
                op=op,
                subject=finding,
            )

    def _refused(self, key: HitKey, count: int, *, staged: bool) -> None:
        if staged:
            self._staging_refused.add(key)
        self.limit_hit(key, count)

    def _whole_again(self, refused: set[HitKey]) -> None:
        """A snapshot replaced the mirrored state: object and byte hits it did not repeat are
        over."""
        for key in [k for k in self.limits if k[0] in ("objects_per_kind", "resource_bytes")]:
            if key not in refused:
                self.limit_cleared(key)

    def hold_master_finding(self, fingerprint: str, finding: Finding | None) -> None:
        """Hold ``finding`` under ``fingerprint``, or drop what is held there (None)."""
        if finding is None:
            gone = self.master_findings.pop(fingerprint, None)
            if gone is not None:
                self.finding_changed("resolved", gone)
        else:
            was = self.master_findings.get(fingerprint)
            self.master_findings[fingerprint] = finding
            if was != finding:
                self.finding_changed("opened" if was is None else "changed", finding)

    # -- queries ---------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {kind: len(objs) for kind, objs in self.resources.items() if objs}

    def health_counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: dict(Counter(r.health for r in objs.values()))
            for kind, objs in self.resources.items()
            if objs
        }

    def active_findings(self) -> Iterator[Finding]:
        """The agent's active findings and the master's own about this cluster."""
        yield from self.findings.values()
        yield from self.master_findings.values()

    def get(self, kind: str, namespace: str, name: str) -> Resource | None:
        return self.resources.get(kind, {}).get((namespace, name))


def _differences(old: KindMap, new: KindMap, most: int) -> Iterator[tuple[str, Resource]]:
    """("upsert" | "delete", object) for each object ``new`` adds, changes or drops against
    ``old``; stops after ``most``. Unchanged objects (same uid and resource version) are quiet."""
    found = 0
    for kind in old.keys() | new.keys():
        before, after = old.get(kind, {}), new.get(kind, {})
        for key, res in after.items():
            was = before.get(key)
            if was is None or (was.resource_version, was.ref.uid) != (
                res.resource_version,
                res.ref.uid,
            ):
                yield "upsert", res
                found += 1
                if found >= most:
                    return
        for key, res in before.items():
            if key not in after:
                yield "delete", res
                found += 1
                if found >= most:
                    return
