"""The pod's recent events for a fire-time notification: read from the DataHub's mirror, not
fetched, so they cost no command and no wait (the agent already trimmed and redacted them).

``recent_lines`` is pure (the pod's event bodies and ``now`` → lines); ``hub_events`` is the
port the composition root hands the enricher. The newest ``limit`` events, oldest of them first
as ``kubectl describe`` shows them, so the enricher's clipping (from the front) keeps the
newest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson

from master.datahub.hub import DataHub

# (cluster, namespace, pod) -> that pod's mirrored Event bodies (as the agent sent them)
EventsLookup = Callable[[str, str, str], list[Mapping[str, Any]]]


def _ms(text: object) -> int | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def _last_ms(e: Mapping[str, Any]) -> int | None:
    series = e.get("series") or {}
    meta = e.get("metadata") or {}
    for t in (
        series.get("lastObservedTime"),
        e.get("lastTimestamp"),
        e.get("eventTime"),
        meta.get("creationTimestamp"),
    ):
        if (ms := _ms(t)) is not None:
            return ms
    return None


def _age(ms: int | None, now_ms: int) -> str:
    if ms is None:
        return "?"
    s = max(0, (now_ms - ms) // 1000)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172_800:
        return f"{s // 3600}h"
    return f"{s // 86_400}d"


def recent_lines(events: Iterable[Mapping[str, Any]], *, now_ms: int, limit: int) -> list[str]:
    """``age  type  reason (x count)  message`` for the newest ``limit`` events, newest last."""
    dated = sorted(events, key=lambda e: _last_ms(e) or 0)[-limit:] if limit > 0 else []
    out = []
    for e in dated:
        count = (e.get("series") or {}).get("count") or e.get("count") or 1
        times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
        message = " ".join(str(e.get("message") or "").split())
        kind = str(e.get("type") or "Normal")
        reason = e.get("reason") or ""
        out.append(f"{_age(_last_ms(e), now_ms)} ago  {kind}  {reason}{times}  {message}")
    return out


def hub_events(hub: DataHub) -> EventsLookup:
    """The mirrored core Events whose ``involvedObject`` is the pod (one namespace's events
    scanned: bounded by the DataHub's per-kind limit)."""

    def lookup(cluster: str, namespace: str, pod: str) -> list[Mapping[str, Any]]:
        state = hub.cluster(cluster)
        if state is None:
            return []
        out: list[Mapping[str, Any]] = []
        for (ns, _), res in state.resources.get("Event", {}).items():
            if ns != namespace:
                continue
            body = orjson.loads(res.body_json)
            ref = body.get("involvedObject") or {}
            if ref.get("kind") == "Pod" and ref.get("name") == pod:
                out.append(body)
        return out

    return lookup
