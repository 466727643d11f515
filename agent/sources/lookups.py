"""The detectors' lookup index on the agent: ``Lookups`` implements ``agent.detect.context.
Context`` over the slim views of ``contextviews``, with a label index.

Why not ``agent.detect.context.IndexContext``: its ``select`` scans every object of a kind in
the namespace. A Service or Deployment is judged with a pod selector on every change and
every recheck; with 500 pods per namespace and 100 Services that is 50,000 label matches per
recheck round. Here ``matchLabels`` pairs index straight to the candidate names, so a select
costs about the number of matching pods; ``matchExpressions`` are still checked by the
detectors' own ``matches`` on the candidates (or on the namespace when only expressions are
given, which selectors of Services never are).

Owns: the views by kind/namespace/name, the (kind, namespace, label, value) index and the
controller index. Does not own what a view contains (``contextviews``) or restart history
(``agent.detect.history``, held by the tracker).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from agent.detect.context import KubeObject, controller_ref
from agent.detect.history import RestartHistory
from agent.detect.kube import LabelSelector, ObjectMeta
from agent.detect.selectors import matches

_Bucket = tuple[str, str]  # (kind, namespace)


class Lookups:
    def __init__(self, *, history: RestartHistory | None = None) -> None:
        self._history = history
        self._objects: dict[_Bucket, dict[str, KubeObject]] = {}
        self._labels: dict[tuple[str, str, str, str], set[str]] = {}
        self._children: dict[tuple[str, str, str, str], set[str]] = {}
        self._parent: dict[tuple[str, str, str], tuple[str, str]] = {}

    def upsert(self, kind: str, obj: KubeObject) -> None:
        meta = cast(ObjectMeta, obj.get("metadata") or {})
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        bucket = self._objects.setdefault((kind, ns), {})
        old = bucket.get(name)
        if old is not None:
            old_meta = old.get("metadata") or {}
            # Most updates are status changes: same labels, same owner -> same index entries.
            if old_meta.get("labels") == meta.get("labels") and old_meta.get(
                "ownerReferences"
            ) == meta.get("ownerReferences"):
                bucket[name] = obj
                return
            self._unindex(kind, ns, name, old)
        bucket[name] = obj
        for key, value in (meta.get("labels") or {}).items():
            self._labels.setdefault((kind, ns, key, value), set()).add(name)
        ref = controller_ref(meta)
        if ref is not None:
            parent = (ref.get("kind", ""), ref.get("name", ""))
            self._parent[(kind, ns, name)] = parent
            self._children.setdefault((kind, ns, *parent), set()).add(name)

    def delete(self, kind: str, namespace: str, name: str) -> None:
        bucket = self._objects.get((kind, namespace))
        old = bucket.pop(name, None) if bucket is not None else None
        if old is not None:
            self._unindex(kind, namespace, name, old)

    def _unindex(self, kind: str, ns: str, name: str, old: KubeObject) -> None:
        labels: Mapping[str, str] = (old.get("metadata") or {}).get("labels") or {}
        for key, value in labels.items():
            names = self._labels.get((kind, ns, key, value))
            if names is not None:
                names.discard(name)
                if not names:
                    del self._labels[(kind, ns, key, value)]
        parent = self._parent.pop((kind, ns, name), None)
        if parent is not None:
            children = self._children.get((kind, ns, *parent))
            if children is not None:
                children.discard(name)
                if not children:
                    del self._children[(kind, ns, *parent)]

    def count(self, kind: str) -> int:
        return sum(len(b) for (k, _), b in self._objects.items() if k == kind)

    # -- agent.detect.context.Context ------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> KubeObject | None:
        return self._objects.get((kind, namespace), {}).get(name)

    def select(self, kind: str, namespace: str, selector: LabelSelector) -> Sequence[KubeObject]:
        bucket = self._objects.get((kind, namespace))
        if not bucket:
            return []
        pairs: Mapping[str, str] = selector.get("matchLabels") or {}
        if pairs:
            sets = [self._labels.get((kind, namespace, k, v)) for k, v in pairs.items()]
            if any(s is None for s in sets):
                return []
            smallest = min((s for s in sets if s is not None), key=len)
            candidates: Any = (bucket[n] for n in sorted(smallest) if n in bucket)
        else:
            candidates = bucket.values()
        return [
            obj
            for obj in candidates
            if matches((obj.get("metadata") or {}).get("labels") or {}, selector)
        ]

    def owned(
        self, kind: str, namespace: str, owner_kind: str, owner_name: str
    ) -> Sequence[KubeObject]:
        bucket = self._objects.get((kind, namespace), {})
        names = self._children.get((kind, namespace, owner_kind, owner_name), set())
        return [bucket[n] for n in sorted(names) if n in bucket]

    def restarts_since(self, namespace: str, pod: str, container: str, since_ms: int) -> int | None:
        if self._history is None:
            return None
        return self._history.restarts_since(namespace, pod, container, since_ms)
