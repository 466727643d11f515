"""Event sources: core/v1 events (default) and events.k8s.io/v1 events (opt-in), one kind.

Both APIs serve the same stored objects, so only one may be enabled. The events.k8s.io shape
is normalized to the core/v1 shape (``involvedObject``, ``message``, ``lastTimestamp``…) so
the detectors and the master read one format.
"""

from __future__ import annotations

from typing import Any

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import cap, compact, meta
from shared import kinds


def _ref(r: dict[str, Any] | None) -> dict[str, Any]:
    r = r or {}
    return compact({k: r.get(k) for k in ("kind", "namespace", "name", "uid", "fieldPath")})


def project(obj: Raw) -> Projection:
    series = obj.get("series") or {}
    body = compact(
        {
            "metadata": meta(obj),
            "type": obj.get("type"),
            "reason": obj.get("reason"),
            "message": cap(obj.get("message")),
            "involvedObject": _ref(obj.get("involvedObject")),
            "source": obj.get("source"),
            "reportingComponent": obj.get("reportingComponent"),
            "count": obj.get("count"),
            "firstTimestamp": obj.get("firstTimestamp"),
            "lastTimestamp": obj.get("lastTimestamp"),
            "eventTime": obj.get("eventTime"),
            "series": compact(
                {"count": series.get("count"), "lastObservedTime": series.get("lastObservedTime")}
            ),
        }
    )
    return Projection(body, "warning" if obj.get("type") == "Warning" else "ok")


def from_events_v1(obj: Raw) -> Raw:
    """events.k8s.io/v1 -> core/v1 field names (same object, renamed fields)."""
    out = dict(obj)
    out["involvedObject"] = obj.get("regarding") or {}
    out["message"] = obj.get("note", "")
    out["count"] = obj.get("deprecatedCount")
    out["firstTimestamp"] = obj.get("deprecatedFirstTimestamp")
    out["lastTimestamp"] = obj.get("deprecatedLastTimestamp")
    out["source"] = obj.get("deprecatedSource")
    out["reportingComponent"] = obj.get("reportingController")
    out["apiVersion"] = "v1"
    return out


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["events"],
    project=project,
    hold_unhealthy=False,
)
SPEC_EVENTS_V1 = SourceSpec(
    api=kinds.BY_RESOURCE["events.events.k8s.io"],
    project=project,
    enabled_by_default=False,
    normalize=from_events_v1,
    hold_unhealthy=False,
)
