"""What a detector may look up beyond the object it judges: the ``Context`` protocol, the one
in-memory index that implements it (``IndexContext``: objects, controller and label indexes,
completeness, a change clock), and owner resolution (pod -> ReplicaSet -> Deployment,
Job -> CronJob).

Owns read-only lookups, including whether an object is known to be gone (``known_gone``: only
where the index knows it holds every object of that kind), and the index both shells feed:
``lookout scan`` from its input, the agent from its informers. Deliberately not here: watching
and which views are kept (``agent.sources``) and remembering findings (``tracker``).
``IndexContext`` keeps references to the objects it is given, so the agent feeds it slim views
(``agent.sources.contextviews``), not full API objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, cast

from agent.detect.history import RestartHistory
from agent.detect.objects import LabelSelector, ObjectMeta, OwnerReference
from agent.detect.selectors import matches
from shared.domain.refs import ObjectRef

KubeObject = Mapping[str, Any]

# Owner chains are short (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob); the cap
# stops a corrupted ownerReferences loop from spinning.
MAX_OWNER_DEPTH = 4


class Context(Protocol):
    """Read-only lookups; every method answers from what the caller has seen, never the API."""

    def get(self, kind: str, namespace: str, name: str) -> KubeObject | None: ...

    def select(self, kind: str, namespace: str, selector: LabelSelector) -> Sequence[KubeObject]:
        """Objects of ``kind`` in ``namespace`` whose labels match ``selector``."""
        ...

    def owned(
        self, kind: str, namespace: str, owner_kind: str, owner_name: str
    ) -> Sequence[KubeObject]:
        """Objects of ``kind`` whose controller is ``owner_kind/owner_name``."""
        ...

    def restarts_since(self, namespace: str, pod: str, container: str, since_ms: int) -> int | None:
        """Restarts of a container after ``since_ms``; None without history."""
        ...

    def known_gone(self, kind: str, namespace: str, name: str, uid: str = "") -> bool:
        """True only when the object is known not to exist: every ``kind`` object of
        ``namespace`` is known here and none has this name, or the one that has it carries
        another uid (deleted and recreated under the same name; checked only when ``uid`` is
        given). A kind that is not watched, not yet listed or absent from the input is unknown,
        and unknown is never gone."""
        ...


def controller_ref(meta: ObjectMeta) -> OwnerReference | None:
    refs = meta.get("ownerReferences") or []
    for ref in refs:
        if ref.get("controller"):
            return ref
    # Hand-made objects sometimes omit `controller: true`; a sole owner is the controller.
    return refs[0] if len(refs) == 1 else None


class IndexContext:
    """The one ``Context`` over objects held in memory: by kind/namespace/name, by controller,
    by label, with a change clock.

    Both shells feed it: ``lookout scan`` builds one from its input (``from_objects``); the
    agent's object path (``agent.sources.pipeline``) upserts the slim views of
    ``agent.sources.contextviews`` as objects are listed and watched, and deletes them.

    Why a label index: a Service or Deployment is judged with a pod selector on every change
    and every recheck; scanning every pod of the namespace per ``select`` costs pods x
    selectors per recheck round. ``matchLabels`` pairs index straight to the candidate names,
    so a select costs about the number of matching objects; ``matchExpressions`` are checked
    by ``matches`` on the candidates (or on the namespace when only expressions are given,
    which selectors of Services never are).

    The change clock (``tick``, ``last_change``) serves rechecks: every upsert/delete advances
    ``tick`` and stamps the (kind, namespace, label, value) keys of the object's old and new
    labels, so ``last_change`` tells whether anything a label selector could select changed
    since a given tick (a held Service need not be re-judged while its pods and EndpointSlices
    stand still). Stamps live as long as their index entry; removing an entry stamps its
    (kind, namespace) instead, so memory stays bounded by the index and a vanished label still
    counts as a change.

    Completeness (what ``known_gone`` rests on) is per (kind, namespace), ``None`` meaning
    every namespace: the owner marks a scope complete only once it holds every object of it
    (a finished list kept current by a watch, or the whole of a scan's input)."""

    def __init__(self, *, history: RestartHistory | None = None) -> None:
        self._history = history
        self._objects: dict[tuple[str, str], dict[str, KubeObject]] = {}
        self._children: dict[tuple[str, str, str, str], set[str]] = {}
        self._parent: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._labels: dict[tuple[str, str, str, str], set[str]] = {}
        self._complete: set[tuple[str, str | None]] = set()
        self.tick = 0  # the change clock: advanced by every upsert and delete
        self._label_ticks: dict[tuple[str, str, str, str], int] = {}
        self._kind_ticks: dict[tuple[str, str], int] = {}  # any change of (kind, namespace)
        self._removed_ticks: dict[tuple[str, str], int] = {}  # a label entry removed

    @classmethod
    def from_objects(
        cls, objects: Iterable[tuple[str, KubeObject]], *, history: RestartHistory | None = None
    ) -> IndexContext:
        """An index of ``objects`` in which every (kind, namespace) that occurs at all counts as
        complete. Scan input is often partial (only events, or pods of one namespace), so a
        kind or namespace the input does not contain stays unknown, never "gone"."""
        ctx = cls(history=history)
        for kind, obj in objects:
            ctx.upsert(kind, obj)
            ctx.mark_complete(kind, (obj.get("metadata") or {}).get("namespace", ""))
        return ctx

    # -- feeding ---------------------------------------------------------------------------------

    def upsert(self, kind: str, obj: KubeObject) -> None:
        self.tick += 1
        meta = cast(ObjectMeta, obj.get("metadata") or {})
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        bucket = self._objects.setdefault((kind, ns), {})
        old = bucket.get(name)
        bucket[name] = obj
        if old is None:
            self._index(kind, ns, name, meta)
        else:
            old_meta = cast(ObjectMeta, old.get("metadata") or {})
            # Most updates are status changes: same labels, same owner -> same index entries.
            if old_meta.get("labels") != meta.get("labels") or old_meta.get(
                "ownerReferences"
            ) != meta.get("ownerReferences"):
                self._unindex(kind, ns, name, old_meta)  # stamps the old labels
                self._index(kind, ns, name, meta)
        self._kind_ticks[(kind, ns)] = self.tick
        for key, value in (meta.get("labels") or {}).items():
            self._label_ticks[(kind, ns, key, value)] = self.tick

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.tick += 1
        self._kind_ticks[(kind, namespace)] = self.tick
        bucket = self._objects.get((kind, namespace))
        old = bucket.pop(name, None) if bucket is not None else None
        if old is not None:
            self._unindex(kind, namespace, name, cast(ObjectMeta, old.get("metadata") or {}))

    def mark_complete(self, kind: str, namespace: str | None, complete: bool = True) -> None:
        """Whether this index holds every object of ``kind`` in ``namespace`` (None: in every
        namespace). Mark only what is really complete: ``known_gone`` trusts it."""
        if complete:
            self._complete.add((kind, namespace))
        else:
            self._complete.discard((kind, namespace))

    def _index(self, kind: str, ns: str, name: str, meta: ObjectMeta) -> None:
        ref = controller_ref(meta)
        if ref is not None:
            parent = (ref.get("kind", ""), ref.get("name", ""))
            self._parent[(kind, ns, name)] = parent
            self._children.setdefault((kind, ns, *parent), set()).add(name)
        for key, value in (meta.get("labels") or {}).items():
            self._labels.setdefault((kind, ns, key, value), set()).add(name)

    def _unindex(self, kind: str, ns: str, name: str, meta: ObjectMeta) -> None:
        parent = self._parent.pop((kind, ns, name), None)
        if parent is not None:
            children = self._children.get((kind, ns, *parent))
            if children is not None:
                children.discard(name)
                if not children:
                    del self._children[(kind, ns, *parent)]
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

    # -- reading ---------------------------------------------------------------------------------

    def objects(self) -> Iterable[tuple[str, KubeObject]]:
        for (kind, _), bucket in self._objects.items():
            for obj in bucket.values():
                yield kind, obj

    def count(self, kind: str) -> int:
        return sum(len(b) for (k, _), b in self._objects.items() if k == kind)

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

    # -- Context ---------------------------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> KubeObject | None:
        return self._objects.get((kind, namespace), {}).get(name)

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
            candidates: Iterable[KubeObject] = (bucket[n] for n in sorted(smallest) if n in bucket)
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

    def known_gone(self, kind: str, namespace: str, name: str, uid: str = "") -> bool:
        complete = self._complete
        if (kind, None) not in complete and (kind, namespace) not in complete:
            return False
        obj = self.get(kind, namespace, name)
        if obj is None:
            return True
        held_uid = (obj.get("metadata") or {}).get("uid") or ""
        return bool(uid and held_uid and uid != held_uid)


EMPTY_CONTEXT = IndexContext()


def top_owner(meta: ObjectMeta, ctx: Context) -> ObjectRef | None:
    """The top-level controller of an object: its controller, followed upwards through the
    context. A ReplicaSet the context does not know still resolves to its Deployment when the
    pod's ``pod-template-hash`` label shows the Deployment naming scheme (``<deploy>-<hash>``)."""
    ref = controller_ref(meta)
    if ref is None:
        return None
    ns = meta.get("namespace", "")
    owner = ObjectRef(ref.get("kind", ""), ns, ref.get("name", ""), ref.get("uid", ""))
    for _ in range(MAX_OWNER_DEPTH):
        parent_obj = ctx.get(owner.kind, ns, owner.name)
        if parent_obj is None:
            if owner.kind == "ReplicaSet":
                return _deployment_by_name(owner, meta) or owner
            return owner
        parent_ref = controller_ref(cast(ObjectMeta, parent_obj.get("metadata") or {}))
        if parent_ref is None:
            return owner
        owner = ObjectRef(
            parent_ref.get("kind", ""), ns, parent_ref.get("name", ""), parent_ref.get("uid", "")
        )
    return owner


def _deployment_by_name(replicaset: ObjectRef, pod_meta: ObjectMeta) -> ObjectRef | None:
    template_hash = (pod_meta.get("labels") or {}).get("pod-template-hash", "")
    suffix = f"-{template_hash}"
    if template_hash and replicaset.name.endswith(suffix):
        return ObjectRef("Deployment", replicaset.namespace, replicaset.name[: -len(suffix)])
    return None
