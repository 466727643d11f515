"""metrics.k8s.io lists → usage values. Pure.

metrics-server writes CPU in nanocores (``"12345678n"``), memory in Ki (``"65432Ki"``), a
RFC 3339 ``timestamp`` (the end of its window) and a Go duration ``window``. An item with a
quantity we cannot read is skipped whole and counted, never half-read: a container missing
from a pod would look like a pod that lost it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from shared.domain.podmetrics import ContainerUsage, NodeUsage, PodUsage
from shared.quantities import millicores, whole_bytes

_DURATION = re.compile(r"(\d+(?:\.\d*)?)(h|ms|m|s|us|µs|ns)")
_UNIT_MS = {"h": 3_600_000.0, "m": 60_000.0, "s": 1_000.0, "ms": 1.0, "us": 1e-3, "µs": 1e-3}


def duration_ms(text: str) -> int:
    """A Go duration (``"20s"``, ``"1m0.5s"``, ``"150ms"``) in milliseconds; ValueError else."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return round(sum(float(n) * _UNIT_MS.get(u, 1e-6) for n, u in parts))


def timestamp_ms(text: str) -> int:
    """RFC 3339 (``"2024-05-01T10:00:00Z"``) in epoch milliseconds; ValueError else."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"timestamp without zone: {text!r}")
    return int(when.timestamp() * 1000)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    items: tuple[T, ...]
    skipped: int  # items with a field we could not read


def _times(item: Mapping[str, Any]) -> tuple[int, int]:
    return timestamp_ms(str(item["timestamp"])), duration_ms(str(item.get("window") or "0s"))


def pod_usage(items: Iterable[Mapping[str, Any]]) -> Read[PodUsage]:
    out: list[PodUsage] = []
    skipped = 0
    for item in items:
        try:
            meta = item["metadata"]
            at, window = _times(item)
            containers = tuple(
                ContainerUsage(
                    name=str(c["name"]),
                    cpu_millicores=millicores(str(c["usage"]["cpu"])),
                    memory_bytes=whole_bytes(str(c["usage"]["memory"])),
                )
                for c in item.get("containers") or ()
            )
            out.append(PodUsage(str(meta["namespace"]), str(meta["name"]), at, window, containers))
        except (KeyError, TypeError, ValueError):
            skipped += 1
    return Read(tuple(out), skipped)


def node_usage(items: Iterable[Mapping[str, Any]]) -> Read[NodeUsage]:
    out: list[NodeUsage] = []
    skipped = 0
    for item in items:
        try:
            at, window = _times(item)
            usage = item["usage"]
            out.append(
                NodeUsage(
                    node=str(item["metadata"]["name"]),
                    at_ms=at,
                    window_ms=window,
                    cpu_millicores=millicores(str(usage["cpu"])),
                    memory_bytes=whole_bytes(str(usage["memory"])),
                )
            )
        except (KeyError, TypeError, ValueError):
            skipped += 1
    return Read(tuple(out), skipped)
