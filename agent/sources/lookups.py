"""The detectors' lookup index on the agent: ``Lookups`` is ``agent.detect.context.
IndexContext`` (objects by kind/namespace/name, controller index, restart history,
completeness for ``known_gone``) plus a label index, fed the slim views of ``contextviews``.

Why a label index: ``IndexContext.select`` scans every object of a kind in the namespace. A
Service or Deployment is judged with a pod selector on every change and every recheck; with
500 pods per namespace and 100 Services that is 50,000 label matches per recheck round. Here
``matchLabels`` pairs index straight to the candidate names, so a select costs about the
number of matching pods; ``matchExpressions`` are still checked by the detectors' own
``matches`` on the candidates (or on the namespace when only expressions are given, which
selectors of Services never are).

Owns the (kind, namespace, label, value) index. Does not own what a view contains
(``contextviews``), the rest of the index (``IndexContext``), which scopes are complete (the
pipeline marks a kind's watch scope complete while its informer is synced) or restart history
(``agent.detect.history``, held by the tracker).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent.detect.context import IndexContext, KubeObject
from agent.detect.history import RestartHistory
from agent.detect.kube import LabelSelector, ObjectMeta
from agent.detect.selectors import matches


class Lookups(IndexContext):
    def __init__(self, *, history: RestartHistory | None = None) -> None:
        super().__init__(history=history)
        self._labels: dict[tuple[str, str, str, str], set[str]] = {}

    def _index(self, kind: str, ns: str, name: str, meta: ObjectMeta) -> None:
        super()._index(kind, ns, name, meta)
        for key, value in (meta.get("labels") or {}).items():
            self._labels.setdefault((kind, ns, key, value), set()).add(name)

    def _unindex(self, kind: str, ns: str, name: str, meta: ObjectMeta) -> None:
        super()._unindex(kind, ns, name, meta)
        labels: Mapping[str, str] = meta.get("labels") or {}
        for key, value in labels.items():
            names = self._labels.get((kind, ns, key, value))
            if names is not None:
                names.discard(name)
                if not names:
                    del self._labels[(kind, ns, key, value)]

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
