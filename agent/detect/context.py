"""What a detector may look up beyond the object it judges: the ``Context`` protocol, an
in-memory ``IndexContext`` that implements it (for ``lookout scan``, and the base of the
agent's ``Lookups``), and owner resolution (pod -> ReplicaSet -> Deployment, Job -> CronJob).

Owns read-only lookups, including whether an object is known to be gone (``known_gone``: only
where the index knows it holds every object of that kind). Deliberately not here: watching
(``agent.sources``) and remembering findings (``tracker``). ``IndexContext`` keeps references
to the objects it is given, so the agent should feed it its slim projections, not full API
objects.
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
    """``Context`` over objects held in memory, indexed by kind/namespace/name and controller.

    The one implementation of the index both shells use: ``lookout scan`` builds one from its
    input (``from_objects``); the agent's ``agent.sources.lookups.Lookups`` extends it with a
    label index for ``select`` (``_index``/``_unindex`` are the hooks for further indexes).

    Completeness (what ``known_gone`` rests on) is per (kind, namespace), ``None`` meaning
    every namespace: the owner marks a scope complete only once it holds every object of it
    (a finished list kept current by a watch, or the whole of a scan's input)."""

    def __init__(self, *, history: RestartHistory | None = None) -> None:
        self._history = history
        self._objects: dict[tuple[str, str], dict[str, KubeObject]] = {}
        self._children: dict[tuple[str, str, str, str], set[str]] = {}
        self._parent: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._complete: set[tuple[str, str | None]] = set()

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

    def upsert(self, kind: str, obj: KubeObject) -> None:
        meta = cast(ObjectMeta, obj.get("metadata") or {})
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        bucket = self._objects.setdefault((kind, ns), {})
        old = bucket.get(name)
        bucket[name] = obj
        if old is not None:
            old_meta = cast(ObjectMeta, old.get("metadata") or {})
            # Most updates are status changes: same labels, same owner -> same index entries.
            if old_meta.get("labels") == meta.get("labels") and old_meta.get(
                "ownerReferences"
            ) == meta.get("ownerReferences"):
                return
            self._unindex(kind, ns, name, old_meta)
        self._index(kind, ns, name, meta)

    def delete(self, kind: str, namespace: str, name: str) -> None:
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

    def _unindex(self, kind: str, ns: str, name: str, meta: ObjectMeta) -> None:
        parent = self._parent.pop((kind, ns, name), None)
        if parent is not None:
            children = self._children.get((kind, ns, *parent))
            if children is not None:
                children.discard(name)
                if not children:
                    del self._children[(kind, ns, *parent)]

    def objects(self) -> Iterable[tuple[str, KubeObject]]:
        for (kind, _), bucket in self._objects.items():
            for obj in bucket.values():
                yield kind, obj

    def count(self, kind: str) -> int:
        return sum(len(b) for (k, _), b in self._objects.items() if k == kind)

    # -- Context ---------------------------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> KubeObject | None:
        return self._objects.get((kind, namespace), {}).get(name)

    def select(self, kind: str, namespace: str, selector: LabelSelector) -> Sequence[KubeObject]:
        return [
            obj
            for obj in self._objects.get((kind, namespace), {}).values()
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
