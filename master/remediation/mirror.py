"""What the DataHub mirror says about a remediation's objects: the evidence a suggestion rests
on, the impact check its preview shows, and the findings verification watches. Pure functions
of one cluster's mirrored state (read, never changed), so they are tested on built states.

Objects are the agent's slim projections (``agent/sources``): Deployments keep their template
(containers with resources), ReplicaSets their owner and revision annotation but no template,
PodDisruptionBudgets their status counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import orjson

from master.datahub.cluster import ClusterState
from master.remediation.suggestions import WORKLOAD_KINDS, Action, Evidence, Revision
from shared.domain.findings import Finding
from shared.domain.refs import ObjectRef
from shared.quantities import QuantityError, whole_bytes

REVISION = "deployment.kubernetes.io/revision"


def _ms(text: object) -> int:
    """Epoch ms of an RFC 3339 timestamp, 0 when absent or unparseable (an unknown age is
    never "recent")."""
    if not isinstance(text, str) or not text:
        return 0
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return 0
    return int(when.timestamp() * 1000) if when.tzinfo is not None else 0


def _body(state: ClusterState, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    res = state.get(kind, namespace, name)
    if res is None:
        return None
    body: dict[str, Any] = orjson.loads(res.body_json)
    return body


def _bodies(state: ClusterState, kind: str) -> Iterator[dict[str, Any]]:
    for res in state.resources.get(kind, {}).values():
        yield orjson.loads(res.body_json)


def workload_of(f: Finding) -> ObjectRef | None:
    """The Deployment/StatefulSet/DaemonSet the finding is about (its owner, or itself)."""
    for ref in (f.owner, f.subject):
        if ref is not None and ref.kind in WORKLOAD_KINDS:
            return ObjectRef(ref.kind, ref.namespace, ref.name)  # no uid: a command target
    return None


def revisions(state: ClusterState, deployment: ObjectRef) -> tuple[Revision, ...]:
    """The Deployment's revisions (its ReplicaSets), oldest first."""
    found = []
    for rs in _bodies(state, "ReplicaSet"):
        meta = rs.get("metadata") or {}
        if meta.get("namespace") != deployment.namespace:
            continue
        owners = meta.get("ownerReferences") or []
        if not any(
            o.get("kind") == "Deployment" and o.get("name") == deployment.name for o in owners
        ):
            continue
        try:
            number = int((meta.get("annotations") or {}).get(REVISION, "0"))
        except ValueError:
            continue
        created = _ms(meta.get("creationTimestamp"))
        found.append(Revision(number, created))
    return tuple(sorted(found, key=lambda r: r.number))


def _container(body: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    spec = ((body.get("spec") or {}).get("template") or {}).get("spec") or {}
    for c in spec.get("containers") or ():
        if c.get("name") == name:
            return c  # type: ignore[no-any-return]
    return {}


def _memory(resources: Mapping[str, Any], which: str) -> int | None:
    text = (resources.get(which) or {}).get("memory")
    return _bytes(str(text)) if text else None


def evidence(state: ClusterState, f: Finding) -> Evidence:
    w = workload_of(f)
    ev = Evidence(cluster=state.name, finding=f, workload=w)
    if f.subject.kind == "Node":
        pods = sum(
            1
            for p in _bodies(state, "Pod")
            if (p.get("spec") or {}).get("nodeName") == f.subject.name
        )
        return Evidence(cluster=state.name, finding=f, node_pods=pods)
    if w is None:
        return ev
    body = _body(state, w.kind, w.namespace, w.name) or {}
    resources = _container(body, f.attrs.get("container", "")).get("resources") or {}
    # an anomaly's evidence: its finding carries the detector's figures as evidence_<name>
    peak = f.attrs.get("peak_bytes") or f.attrs.get("bytes") or f.attrs.get("evidence_bytes")
    return Evidence(
        cluster=state.name,
        finding=f,
        workload=w,
        revisions=revisions(state, w) if w.kind == "Deployment" else (),
        memory_limit=_memory(resources, "limits"),
        memory_request=_memory(resources, "requests"),
        memory_peak=int(float(peak)) if peak else None,
    )


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    wanted = selector.get("matchLabels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def _pdbs(
    state: ClusterState, namespace: str, labels: Iterable[Mapping[str, str]]
) -> list[dict[str, Any]]:
    sets = list(labels)
    out = []
    for pdb in _bodies(state, "PodDisruptionBudget"):
        meta = pdb.get("metadata") or {}
        if namespace and meta.get("namespace") != namespace:
            continue
        selector = (pdb.get("spec") or {}).get("selector") or {}
        if not any(_selects(selector, ls) for ls in sets):
            continue
        status = pdb.get("status") or {}
        out.append(
            {
                "name": f"{meta.get('namespace')}/{meta.get('name')}",
                "disruptions_allowed": status.get("disruptionsAllowed", 0),
                "current_healthy": status.get("currentHealthy", 0),
                "desired_healthy": status.get("desiredHealthy", 0),
            }
        )
    return out


def impact(state: ClusterState, action: Action) -> dict[str, Any]:
    """The preview's impact check: replicas that stay available and the PDBs in the way."""
    t = action.target
    warnings: list[str] = []
    if t.kind == "Node":
        pods = [p for p in _bodies(state, "Pod") if (p.get("spec") or {}).get("nodeName") == t.name]
        pod_labels = [((p.get("metadata") or {}).get("labels") or {}) for p in pods]
        pdbs = _pdbs(state, "", pod_labels)
        out: dict[str, Any] = {"pods_on_node": len(pods), "pdbs": pdbs}
    else:
        body = _body(state, t.kind, t.namespace, t.name) or {}
        spec, status = body.get("spec") or {}, body.get("status") or {}
        desired = spec.get("replicas", status.get("desiredNumberScheduled", 1))
        available = status.get("availableReplicas", status.get("numberAvailable", 0)) or 0
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        pdbs = _pdbs(state, t.namespace, [labels])
        out = {"replicas": {"desired": desired, "available": available}, "pdbs": pdbs}
        if available < desired:
            warnings.append(f"only {available} of {desired} replicas are available now")
    for p in pdbs:
        if p["disruptions_allowed"] <= 0:
            warnings.append(
                f"PodDisruptionBudget {p['name']} allows no disruption now "
                f"({p['current_healthy']} healthy, {p['desired_healthy']} required): "
                "evictions will wait"
            )
    out["warnings"] = warnings
    return out


def on_workload(state: ClusterState, target: ObjectRef) -> list[Finding]:
    """The active findings on the remediation's target: its own, its pods' (by owner), and for
    a node the findings of the node and of the pods on it."""
    key = (target.kind, target.namespace, target.name)

    def about(f: Finding) -> bool:
        owner = f.owner
        if (f.subject.kind, f.subject.namespace, f.subject.name) == key:
            return True
        if owner is not None and (owner.kind, owner.namespace, owner.name) == key:
            return True
        return target.kind == "Node" and f.node == target.name

    return [f for f in state.active_findings() if not f.resolved and about(f)]


def _bytes(text: str) -> int | None:
    """A memory quantity in bytes; None for one that is not (the pod is then shown without)."""
    try:
        return whole_bytes(text)
    except QuantityError:
        return None
