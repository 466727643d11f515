"""SUGGESTIONS: one row per finding reason → the command that may fix it. Pure.

Each row reads the finding and the evidence the shell gathered from the mirror (the owner's
revision history, the container's memory limit and peak, the node's pods) and returns a
:class:`Suggestion` — or None when the evidence does not support the fix (a crash loop with no
recent rollout is not cured by a rollback, so nothing is suggested rather than a guess).

A suggestion says why in plain words, carries the evidence it rests on (so the API can show
it, and an approver can check it), the command, and the inverse command verification offers
when the outcome is ``worse``. Adding a reason = one function and one row in SUGGESTIONS."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared.domain.findings import Finding
from shared.domain.refs import ObjectRef
from shared.quantities import memory as format_bytes

MiB, GiB = 2**20, 2**30


def round_up(n: float, step: int) -> int:
    """``n`` rounded up to a whole number of ``step``s."""
    return math.ceil(n / step) * step


WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})


@dataclass(frozen=True, slots=True)
class Tuning:
    """The thresholds the rows use; settings may override them."""

    recent_rollout_s: int = 1800  # a revision newer than this is "the rollout that broke it"
    memory_factor: float = 1.5  # a raised memory limit is at least this x the current one
    peak_headroom: float = 1.2  # ... and at least this x the highest usage seen
    memory_step: int = 64 * MiB  # limits are rounded up to whole steps
    memory_cap: int = 16 * GiB  # never suggested above this (a leak would eat any limit)


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of a workload: its number, when it was rolled out, its first image."""

    number: int
    created_ms: int
    image: str = ""  # "" when the mirror does not hold it (ReplicaSet templates are trimmed)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the shell found about the finding's object when the finding opened."""

    cluster: str
    finding: Finding
    workload: ObjectRef | None = None  # the Deployment/StatefulSet/DaemonSet behind it
    revisions: tuple[Revision, ...] = ()  # oldest first; the last is the current one
    memory_limit: int | None = None  # bytes, the container's limit (None: none set)
    memory_request: int | None = None
    memory_peak: int | None = None  # bytes, the highest usage observed (None: unknown)
    node_pods: int = 0  # pods on the finding's node (a NotReady node)


@dataclass(frozen=True, slots=True)
class Action:
    """One command: its catalogue type, target and parameters (JSON-able)."""

    type: str
    target: ObjectRef
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        t = self.target
        return {
            "type": self.type,
            "target": {"kind": t.kind, "namespace": t.namespace, "name": t.name},
            "params": dict(self.params),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Action:
        t = d["target"]
        return cls(d["type"], ObjectRef(t["kind"], t.get("namespace", ""), t["name"]), d["params"])


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    reason: str
    why: str  # plain words: what is wrong, what the command does, on what evidence
    evidence: Mapping[str, Any]
    action: Action
    inverse: Action | None  # what undoes it (offered when verification says ``worse``)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "why": self.why,
            "evidence": dict(self.evidence),
            "action": self.action.as_json(),
            "inverse": None if self.inverse is None else self.inverse.as_json(),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Suggestion:
        inverse = d.get("inverse")
        return cls(
            d["id"],
            d["reason"],
            d["why"],
            d["evidence"],
            Action.from_json(d["action"]),
            None if inverse is None else Action.from_json(inverse),
        )


def suggestion_id(cluster: str, fingerprint: str, action: Action) -> str:
    """Stable for the same fix of the same finding: a repeated finding suggests it once."""
    text = orjson.dumps([cluster, fingerprint, action.as_json()], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(text).hexdigest()[:24]


def _finding_evidence(f: Finding) -> dict[str, Any]:
    return {
        "finding": {
            "fingerprint": f.fingerprint,
            "reason": f.reason,
            "severity": f.severity.label,
            "subject": str(f.subject),
            "message": f.message,
            "first_seen_ms": f.first_seen_ms,
        }
    }


def _made(
    ev: Evidence, why: str, action: Action, inverse: Action | None, **extra: Any
) -> Suggestion:
    f = ev.finding
    evidence = {**_finding_evidence(f), **extra}
    return Suggestion(
        suggestion_id(ev.cluster, f.fingerprint, action), f.reason, why, evidence, action, inverse
    )


def _minutes(ms: int) -> str:
    return f"{max(ms, 0) // 60_000} min"


def _history(ev: Evidence) -> list[dict[str, Any]]:
    return [
        {"revision": r.number, "created_ms": r.created_ms, "image": r.image} for r in ev.revisions
    ]


def _recent_rollout(ev: Evidence, now_ms: int, t: Tuning) -> tuple[Revision, Revision] | None:
    """(previous, current) when the workload's current revision is newer than the tuning's
    window and an older one exists to go back to."""
    if len(ev.revisions) < 2:
        return None
    previous, current = ev.revisions[-2], ev.revisions[-1]
    if now_ms - current.created_ms > t.recent_rollout_s * 1000:
        return None
    return previous, current


def _rollback(ev: Evidence, previous: Revision, current: Revision) -> tuple[Action, Action]:
    assert ev.workload is not None
    return (
        Action("rollback", ev.workload, {"revision": previous.number}),
        # The rollback of the rollback: back to the revision that is current now.
        Action("rollback", ev.workload, {"revision": current.number}),
    )


# -- the rows --------------------------------------------------------------------------------


def crash_after_rollout(ev: Evidence, now_ms: int, t: Tuning) -> Suggestion | None:
    w = ev.workload
    pair = _recent_rollout(ev, now_ms, t)
    if w is None or w.kind != "Deployment" or pair is None:
        return None
    previous, current = pair
    action, inverse = _rollback(ev, previous, current)
    container = ev.finding.attrs.get("container", "")
    why = (
        f"container {container} of {ev.finding.subject} keeps crashing since {w} rolled out "
        f"revision {current.number} {_minutes(now_ms - current.created_ms)} ago; roll back to "
        f"revision {previous.number}, which ran before it"
    )
    return _made(ev, why, action, inverse, revisions=_history(ev))


def raise_memory(ev: Evidence, now_ms: int, t: Tuning) -> Suggestion | None:
    w, f = ev.workload, ev.finding
    container = f.attrs.get("container", "")
    if w is None or w.kind not in WORKLOAD_KINDS or not container or not ev.memory_limit:
        return None
    limit = ev.memory_limit
    wanted = max(limit * t.memory_factor, (ev.memory_peak or 0) * t.peak_headroom)
    new_limit = min(round_up(wanted, t.memory_step), t.memory_cap)
    if new_limit <= limit:
        return None  # at the cap already: more memory is not the fix a table should offer
    factor = new_limit / limit
    new_request = None
    if ev.memory_request:
        new_request = min(round_up(ev.memory_request * factor, t.memory_step), new_limit)

    def params(lim: int, req: int | None) -> dict[str, Any]:
        return {
            "container": container,
            "limits": {"memory": format_bytes(lim)},
            "requests": None if req is None else {"memory": format_bytes(req)},
        }

    action = Action("set_resources", w, params(new_limit, new_request))
    inverse = Action("set_resources", w, params(limit, ev.memory_request))
    killed = "was OOMKilled" if f.reason == "OOMKilled" else "is heading for its memory limit"
    peak = (
        f"; the highest usage seen is {format_bytes(round_up(ev.memory_peak, MiB))}"
        if ev.memory_peak
        else ""
    )
    why = (
        f"container {container} of {w} {killed} (limit {format_bytes(limit)}{peak}); raise "
        f"its memory limit to {format_bytes(new_limit)}"
        + ("" if new_request is None else f" and its request to {format_bytes(new_request)}")
        + f" (x{factor:.2f}, rounded up to {format_bytes(t.memory_step)})"
    )
    metric = {
        "limit_bytes": limit,
        "request_bytes": ev.memory_request,
        "peak_bytes": ev.memory_peak,
    }
    return _made(ev, why, action, inverse, memory=metric)


def image_after_change(ev: Evidence, now_ms: int, t: Tuning) -> Suggestion | None:
    w, f = ev.workload, ev.finding
    pair = _recent_rollout(ev, now_ms, t)
    if w is None or w.kind not in WORKLOAD_KINDS or pair is None:
        return None
    previous, current = pair
    container = f.attrs.get("container", "")
    failing = f.attrs.get("image", "") or current.image
    ago = _minutes(now_ms - current.created_ms)
    if previous.image and container and failing:
        action = Action("set_image", w, {"container": container, "image": previous.image})
        inverse = Action("set_image", w, {"container": container, "image": failing})
        why = (
            f"image {failing} of container {container} cannot be pulled since {w} changed it "
            f"{ago} ago; set the image it ran before, {previous.image}"
        )
    elif w.kind == "Deployment":
        # The previous image is not in the mirror: the previous revision holds it.
        action, inverse = _rollback(ev, previous, current)
        why = (
            f"image {failing or '(unknown)'} cannot be pulled since {w} rolled out revision "
            f"{current.number} {ago} ago; roll back to revision {previous.number}, which "
            "pulled its image"
        )
    else:
        return None
    return _made(ev, why, action, inverse, revisions=_history(ev))


def drain_not_ready_node(ev: Evidence, now_ms: int, t: Tuning) -> Suggestion | None:
    node = ev.finding.subject
    if node.kind != "Node" or ev.node_pods <= 0:
        return None
    # One command: the agent's drain cordons first, then evicts (respecting PDBs), so
    # "cordon then drain" is one approval that runs exactly one command.
    action = Action("drain", ObjectRef("Node", "", node.name), {})
    inverse = Action("uncordon", ObjectRef("Node", "", node.name), {})
    why = (
        f"node {node.name} is NotReady with {ev.node_pods} pods on it; cordon it (no new pods) "
        "and drain it (evict its pods, respecting their disruption budgets) so they are "
        "rescheduled on healthy nodes"
    )
    return _made(ev, why, action, inverse, node_pods=ev.node_pods)


def unstick_rollout(ev: Evidence, now_ms: int, t: Tuning) -> Suggestion | None:
    w = ev.workload
    if w is None or w.kind != "Deployment":
        return None
    if len(ev.revisions) >= 2:
        previous, current = ev.revisions[-2], ev.revisions[-1]
        action, inverse = _rollback(ev, previous, current)
        why = (
            f"the rollout of revision {current.number} of {w} is stuck past its progress "
            f"deadline; roll back to revision {previous.number}"
        )
        return _made(ev, why, action, inverse, revisions=_history(ev))
    # Nothing to go back to: a restart re-creates the pods (a stuck pull or node often clears).
    why = (
        f"the rollout of {w} is stuck past its progress deadline and has no earlier "
        "revision; restart it"
    )
    return _made(ev, why, Action("rollout_restart", w, {}), None, revisions=_history(ev))


Row = Callable[[Evidence, int, Tuning], Suggestion | None]

# finding reason → the row that suggests its fix.
SUGGESTIONS: dict[str, Row] = {
    "CrashLoopBackOff": crash_after_rollout,
    "OOMKilled": raise_memory,
    "PredictedOOM": raise_memory,  # master.anomaly's memory-leak detector
    "ImagePullBackOff": image_after_change,
    "NodeNotReady": drain_not_ready_node,
    "ProgressDeadlineExceeded": unstick_rollout,
}


def suggest(ev: Evidence, now_ms: int, tuning: Tuning = Tuning()) -> Suggestion | None:
    row = SUGGESTIONS.get(ev.finding.reason)
    if row is None or ev.finding.resolved:
        return None
    return row(ev, now_ms, tuning)
