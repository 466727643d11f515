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

Also a change clock for rechecks: every upsert/delete advances a counter and stamps the
(kind, namespace, label, value) keys of the object's old and new labels, so ``last_change``
tells whether anything a label selector could select changed since a given tick (a held
Service need not be re-judged while its pods and EndpointSlices stand still). Stamps live as
long as their index entry; removing an entry stamps its (kind, namespace) instead, so memory
stays bounded by the index and a vanished label still counts as a change.

Owns the (kind, namespace, label, value) index and the change clock. Does not own what a view
contains (``contextviews``), the rest of the index (``IndexContext``), which scopes are complete
(the pipeline marks a kind's watch scope complete while its informer is synced) or restart
history (``agent.detect.history``, held by the tracker).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from agent.detect.context import IndexContext, KubeObject
from agent.detect.history import RestartHistory
from agent.detect.objects import LabelSelector, ObjectMeta
from agent.detect.selectors import matches


class Lookups(IndexContext):
    def __init__(self, *, history: RestartHistory | None = None) -> None:
        super().__init__(history=history)
        self._labels: dict[tuple[str, str, str, str], set[str]] = {}
        self.tick = 0  # the change clock: advanced by every upsert and delete
        self._label_ticks: dict[tuple[str, str, str, str], int] = {}
        self._kind_ticks: dict[tuple[str, str], int] = {}  # any change of (kind, namespace)
        self._removed_ticks: dict[tuple[str, str], int] = {}  # a label entry removed

    def upsert(self, kind: str, obj: KubeObject) -> None:
        self.tick += 1
        super().upsert(kind, obj)  # relabelling stamps the old labels in _unindex
        meta = cast(ObjectMeta, obj.get("metadata") or {})
        ns = meta.get("namespace", "")
        self._kind_ticks[(kind, ns)] = self.tick
        for key, value in (meta.get("labels") or {}).items():
            self._label_ticks[(kind, ns, key, value)] = self.tick

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.tick += 1
        self._kind_ticks[(kind, namespace)] = self.tick
        super().delete(kind, namespace, name)  # stamps the labels in _unindex

    def last_change(self, kind: str, namespace: str, labels: Mapping[str, str] | None) -> int:
        """The tick of the last change to a ``kind`` object in ``namespace`` carrying any of
        ``labels`` (or a label entry of that kind and namespace removed); with ``labels``
        None, of the last change to any ``kind`` object there. Later than a tick taken
        before => what ``select`` with those ``matchLabels`` returns may have changed."""
        if labels is None:
            return self._kind_ticks.get((kind, namespace), 0)
        last = self._removed_ticks.get((kind, namespace), 0)
        for key, value in labels.items():
            last = max(last, self._label_ticks.get((kind, namespace, key, value), 0))
        return last

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
                    self._label_ticks.pop((kind, ns, key, value), None)
                    self._removed_ticks[(kind, ns)] = self.tick
                    continue
            self._label_ticks[(kind, ns, key, value)] = self.tick

    def select(self, kind: str, namespace: str, selector: LabelSelector) -> Sequence[KubeObject]:
        bucket = self._objects.get((kind, namespace))
        if not bucket:
            return []
        pairs: Mapping[str, str] = selector.get("matchLabels") or {}
        if pairs:
            found = [self._labels.get((kind, namespace, k, v)) for k, v in pairs.items()]
            sets = [s for s in found if s is not None]
            if len(sets) < len(found):
                return []
            sets.sort(key=len)
            smallest, rest = sets[0], sets[1:]
            if not selector.get("matchExpressions"):
                # The index answers matchLabels exactly: a name in every pair's set matches,
                # without matching each object's labels again (rechecks select per Service).
                return [
                    bucket[n] for n in sorted(smallest) if n in bucket and all(n in s for s in rest)
                ]
            candidates: Any = (bucket[n] for n in sorted(smallest) if n in bucket)
        else:
            candidates = bucket.values()
        return [
            obj
            for obj in candidates
            if matches((obj.get("metadata") or {}).get("labels") or {}, selector)
        ]
