"""Mirrored state: trimmed objects and the deltas that keep the master's copy current."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from shared.domain.refs import ObjectRef

Health = Literal["ok", "warning", "critical", "unknown"]
HEALTH_VALUES: frozenset[str] = frozenset({"ok", "warning", "critical", "unknown"})


@dataclass(frozen=True, slots=True)
class Resource:
    """One trimmed, redacted object. ``body_json`` is the agent's slim JSON projection, kept as
    bytes end to end so the master can serve it without re-encoding."""

    ref: ObjectRef
    resource_version: str
    labels: Mapping[str, str] = field(default_factory=dict)
    health: Health = "unknown"
    body_json: bytes = b"{}"


@dataclass(frozen=True, slots=True)
class ResourceDelta:
    """Upserts and deletes of one kind; ``snapshot_id`` != 0 marks part of a full snapshot."""

    kind: str
    upserts: tuple[Resource, ...] = ()
    deletes: tuple[ObjectRef, ...] = ()
    snapshot_id: int = 0


@dataclass(frozen=True, slots=True)
class Synced:
    """End of full snapshot ``snapshot_id`` covering ``kinds``."""

    snapshot_id: int
    kinds: tuple[str, ...]
    objects: int = 0


SourceState = Literal["syncing", "synced", "forbidden", "error", "disabled"]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How one watched kind is doing on the agent."""

    kind: str
    state: SourceState
    message: str = ""
