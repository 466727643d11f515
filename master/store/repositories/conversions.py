"""Pure conversions from domain values to column values: journal types to row dicts for
batched inserts, and the clipping every repository's text columns go through.

Every value is clipped to its column and every float made finite-or-NULL here, because one row
that MySQL's strict mode refuses would fail the whole transaction, the agent would never be
acked, and it would replay the same poisoned batch forever."""

from __future__ import annotations

import math
from typing import Any

import orjson

from shared.domain.findings import Finding
from shared.domain.ingress import IngressSample
from shared.domain.metrics import NodeMetricsSample
from shared.domain.podmetrics import ContainerSpec, PodUsage
from shared.domain.refs import ObjectRef

MESSAGE_MAX = 4_000  # characters kept of a finding/command message: a screenful


def clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size]


def finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def ref_text(ref: ObjectRef | None) -> str:
    return "" if ref is None else clip(str(ref), 600)


def metrics_row(cluster: str, s: NodeMetricsSample, *, received_ms: int) -> dict[str, Any]:
    """One ``node_metrics_raw`` row: fleet-level fields as columns, per-device detail as JSON.
    ``received_ms`` is the master's clock at commit (retention goes by it, not by ``at_ms``)."""
    return {
        "cluster": cluster,
        "node": clip(s.node, 253),
        "at_ms": s.at_ms,
        "cpu_pct": finite(s.cpu_percent),
        "mem_used": s.memory.used_bytes,
        "mem_total": s.memory.total_bytes,
        "load1": finite(s.load1),
        "disk_util_max": finite(max((d.util_percent for d in s.disks), default=0.0)),
        "fs_used": sum(f.used_bytes for f in s.filesystems),
        "fs_total": sum(f.total_bytes for f in s.filesystems),
        "net_rx_bps": finite(sum(i.rx_bytes_per_s for i in s.interfaces)),
        "net_tx_bps": finite(sum(i.tx_bytes_per_s for i in s.interfaces)),
        "temp_c": finite(s.cpu_temp_c),
        "detail_json": _detail_json(s),
        "received_ms": received_ms,
    }


def _detail_json(s: NodeMetricsSample) -> str:
    # Compact positional arrays: per-device detail is read rarely and only whole.
    m = s.memory
    doc = {
        "cores": s.per_core_percent,
        "load": (s.load1, s.load5, s.load15),
        "mem": (
            m.available_bytes,
            m.cached_bytes,
            m.buffers_bytes,
            m.swap_total_bytes,
            m.swap_used_bytes,
        ),
        "disks": [
            (
                d.device,
                d.read_bytes_per_s,
                d.write_bytes_per_s,
                d.read_iops,
                d.write_iops,
                d.util_percent,
            )
            for d in s.disks
        ],
        "fs": [
            (f.mountpoint, f.device, f.fstype, f.total_bytes, f.used_bytes, f.free_bytes)
            for f in s.filesystems
        ],
        "net": [
            (
                i.name,
                i.rx_bytes_per_s,
                i.tx_bytes_per_s,
                i.rx_packets_per_s,
                i.tx_packets_per_s,
                i.rx_errors,
                i.tx_errors,
                i.rx_drops,
                i.tx_drops,
            )
            for i in s.interfaces
        ],
        "uptime_s": s.uptime_s,
    }
    return orjson.dumps(doc).decode()


def ingress_row(cluster: str, s: IngressSample, *, received_ms: int) -> dict[str, Any]:
    return {
        "cluster": cluster,
        "controller": clip(s.controller, 64),
        "namespace": clip(s.namespace, 253),
        "ingress": clip(s.ingress, 253),
        "host": clip(s.host, 253),
        "service": clip(s.service, 253),
        "window_start_ms": s.window_start_ms,
        "window_end_ms": s.window_end_ms,
        "requests": s.requests,
        "errors": s.errors,
        "latency_json": orjson.dumps(
            {"bounds_ms": s.latency_bounds_ms, "counts": s.latency_counts}
        ).decode(),
        "received_ms": received_ms,
    }


INT64_MAX = 2**63 - 1  # a uint64 from the wire may not fit a signed BIGINT
INT32_MAX = 2**31 - 1
_NO_SPEC = ContainerSpec()


def _capped(value: int | None, most: int) -> int | None:
    return None if value is None else min(max(value, 0), most)


def pod_metrics_rows(cluster: str, p: PodUsage, *, received_ms: int) -> list[dict[str, Any]]:
    """One ``pod_metrics_raw`` row per container of ``p``, its pod's side (requests, limits,
    restarts, workload) as the processor attached it (all null when the pod was not mirrored)."""
    rows = []
    for c in p.containers:
        spec = c.spec or _NO_SPEC
        rows.append(
            {
                "cluster": cluster,
                "namespace": clip(p.namespace, 63),
                "pod": clip(p.pod, 253),
                "container": clip(c.name, 63),
                "at_ms": p.at_ms,
                "cpu_m": finite(c.cpu_millicores) or 0.0,
                "mem_bytes": _capped(c.memory_bytes, INT64_MAX),
                "workload": clip(spec.workload, 320),
                "cpu_request_m": finite(spec.cpu_request_m),
                "cpu_limit_m": finite(spec.cpu_limit_m),
                "mem_request": _capped(spec.memory_request_bytes, INT64_MAX),
                "mem_limit": _capped(spec.memory_limit_bytes, INT64_MAX),
                "restarts": _capped(spec.restarts, INT32_MAX),
                "received_ms": received_ms,
            }
        )
    return rows


def fingerprint_of(f: Finding) -> str:
    """The fingerprint as stored (clipped to its column), used for every lookup too."""
    return clip(f.fingerprint, 128)


def finding_values(f: Finding) -> dict[str, Any]:
    """The columns a finding record sets on its occurrence row (all but ids and lifetimes)."""
    return {
        "reason": clip(f.reason, 128),
        "severity": int(f.severity),
        "category": clip(f.category, 64),
        "subject_kind": clip(f.subject.kind, 64),
        "subject_ns": clip(f.subject.namespace, 253),
        "subject_name": clip(f.subject.name, 253),
        "subject_uid": clip(f.subject.uid, 64),
        "owner": ref_text(f.owner),
        "node": clip(f.node, 253),
        "message": clip(f.message, MESSAGE_MAX),
    }


def new_id(primary_key: Any) -> int:
    """The id of a row just inserted (``CursorResult.inserted_primary_key``)."""
    if not primary_key:
        raise ValueError("the database returned no id for the inserted row")
    return int(primary_key[0])
