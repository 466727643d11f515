"""Warning-event rules, for core/v1 and events.k8s.io/v1 Events alike.

Owns judging one Event: only ``type: Warning`` with a reason in ``settings.event_reasons``,
and only while fresh — its latest occurrence (the latest of ``eventTime``,
``series.lastObservedTime``, ``lastTimestamp``/``deprecatedLastTimestamp``, whichever are set)
is younger than ``event_fresh_s`` — and only while the involved object may still exist: once
the context knows it is gone (``Context.known_gone``: its kind is fully known and holds no
object of that name, or one with another uid), the event says nothing current. An involved
object of a kind the context does not know completely is assumed to exist (unknown is not
gone). Normal events are never findings. The finding's subject is the involved object and
its reason the event's reason; ``origin=Event`` keeps its fingerprint apart from the state
rule of the same name (e.g. a Pod's Evicted status).

Unhealthy (probe failures) has a burst rule: an event aggregates repeats into a count between
its first and last time, so the number within the burst window is estimated from that average
rate; fewer than ``unhealthy_burst_count`` is not a finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agent.detect.context import top_owner
from agent.detect.making import Scope
from agent.detect.objects import Event, InvolvedObject, ObjectMeta
from agent.detect.times import latest_ms, parse_ms
from shared.domain.findings import Finding
from shared.domain.refs import ObjectRef

# fieldPath such as "spec.containers{app}" or "spec.initContainers{init-db}".
_CONTAINER_PATH = re.compile(r"spec\.(?:init|ephemeral)?[cC]ontainers\{([^}]*)\}")
BURST_REASON = "Unhealthy"


def detect_event(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    ev = cast(Event, obj)
    settings = scope.settings
    reason = ev.get("reason", "")
    if ev.get("type") != "Warning" or reason not in settings.event_reasons:
        return []
    meta = ev.get("metadata") or {}
    series = ev.get("series") or {}
    last = latest_ms(
        ev.get("eventTime"),
        series.get("lastObservedTime"),
        ev.get("lastTimestamp"),
        ev.get("deprecatedLastTimestamp"),
    ) or parse_ms(meta.get("creationTimestamp"))
    if last is None or scope.now_ms - last > settings.event_fresh_s * 1000:
        return []
    count = series.get("count") or ev.get("count") or ev.get("deprecatedCount") or 1
    first = parse_ms(ev.get("firstTimestamp") or ev.get("deprecatedFirstTimestamp")) or parse_ms(
        ev.get("eventTime")
    )
    if reason == BURST_REASON and not _burst(scope, count=count, first=first, last=last):
        return []
    involved: InvolvedObject = ev.get("regarding") or ev.get("involvedObject") or {}
    subject = ObjectRef(
        involved.get("kind", ""),
        involved.get("namespace", ""),
        involved.get("name", ""),
        involved.get("uid", ""),
    )
    if scope.ctx.known_gone(subject.kind, subject.namespace, subject.name, subject.uid):
        return []  # "BackOff on pod X" after X was deleted is noise, however fresh the event
    rep = scope.reporter(subject, owner=_owner(subject, scope), node=_node(ev, subject))
    match = _CONTAINER_PATH.search(involved.get("fieldPath", ""))
    text = ev.get("message") or ev.get("note") or reason
    rep.add(
        reason,
        (f"{count}x " if count > 1 else "") + text,
        since_ms=first,
        last_ms=last,
        count=count,
        container=match.group(1) if match else "",
        origin="Event",
        attrs={"event": meta.get("name", "")},
    )
    return rep.findings


def _burst(scope: Scope, *, count: int, first: int | None, last: int) -> bool:
    settings = scope.settings
    needed = settings.unhealthy_burst_count
    if count < needed:
        return False
    window_ms = settings.unhealthy_burst_window_s * 1000
    span = last - first if first is not None else 0
    if span <= window_ms:
        return True
    # Spread over more than the window: estimate how many fell within one window.
    return 1 + (count - 1) * window_ms / span >= needed


def _owner(subject: ObjectRef, scope: Scope) -> ObjectRef | None:
    if subject.kind != "Pod":
        return None
    pod = scope.ctx.get("Pod", subject.namespace, subject.name)
    if pod is None:
        return None
    return top_owner(cast(ObjectMeta, pod.get("metadata") or {}), scope.ctx)


def _node(ev: Event, subject: ObjectRef) -> str:
    if subject.kind == "Node":
        return subject.name
    source = ev.get("source") or ev.get("deprecatedSource") or {}
    return source.get("host", "")
