"""What the store's repositories return: frozen, slotted dataclasses, one per kind of row.

Only shapes live here; building them from result rows is each repository's business."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.commands import CommandState
from shared.domain.findings import Severity


@dataclass(frozen=True, slots=True)
class ClusterRow:
    name: str
    created_ms: int
    token_id: str
    token_hash: str
    token_created_ms: int
    revoked_ms: int | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_id: str
    cluster: str
    instance_id: str
    agent_version: str
    connected_ms: int
    disconnected_ms: int | None


@dataclass(frozen=True, slots=True)
class JournalState:
    cluster: str
    hwm: int
    gaps_dropped: int


@dataclass(frozen=True, slots=True)
class FindingOccurrence:
    """One occurrence of a finding: from the first record of its fingerprint to its resolution.

    ``opened_ms``, ``last_seen_ms`` and ``resolved_ms`` are the agent's clock; ``received_ms`` is
    the master's when it last wrote the row (compare it with ``last_seen_ms`` to see skew)."""

    id: int
    cluster: str
    fingerprint: str
    reason: str
    severity: Severity
    category: str
    subject_kind: str
    subject_ns: str
    subject_name: str
    subject_uid: str
    owner: str
    node: str
    message: str
    opened_ms: int
    last_seen_ms: int
    resolved_ms: int | None
    count: int
    received_ms: int


@dataclass(frozen=True, slots=True)
class FindingsPage:
    items: tuple[FindingOccurrence, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class CommandRow:
    id: str
    cluster: str
    type: str
    target: str
    params_json: bytes
    dry_run: bool
    idempotency_key: str
    state: CommandState
    created_ms: int
    updated_ms: int
    deadline_ms: int
    requested_by: str
    result_json: bytes = b""
    error_code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class TransitionRow:
    command_id: str
    state: CommandState
    at_ms: int
    message: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at_ms: int
    actor: str
    action: str
    cluster: str
    target: str
    detail_json: bytes
    outcome: str
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    password_hash: str
    role: str
    created_ms: int
    disabled: bool
    must_change: bool = False


@dataclass(frozen=True, slots=True)
class BindingRow:
    id: int
    subject_kind: str  # user | group | token
    subject: str
    role: str
    cluster: str  # "" = every cluster
    namespace: str  # "" = the whole cluster
    created_ms: int
    created_by: str


@dataclass(frozen=True, slots=True)
class ApiTokenRow:
    id: int
    token_id: str
    token_hash: str
    name: str
    owner: str
    owner_kind: str  # user | service
    created_by: str
    created_ms: int
    expires_ms: int | None
    last_used_ms: int | None
    revoked_ms: int | None


@dataclass(frozen=True, slots=True)
class LoginSessionRow:
    family: str
    username: str
    groups: tuple[str, ...]
    created_ms: int
    expires_ms: int
    used_ms: int | None
    revoked_ms: int | None


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """Columnar node metrics: ``times_ms[i]`` goes with ``values[field][i]``.

    ``resolution`` is the table the points came from (raw, 5m, 1h); ``step_ms`` the spacing of
    the buckets returned (0 for raw points at their native spacing). For roll-ups each field
    appears as ``<field>_avg`` and ``<field>_max``; raw points have plain ``<field>``.
    ``times_ms`` is the agent's clock; ``received_ms[i]`` the master's when it stored point
    ``i`` (the latest in a bucket) for series from raw samples, None for roll-ups."""

    cluster: str
    node: str
    resolution: str
    step_ms: int
    times_ms: tuple[int, ...]
    values: dict[str, tuple[float | None, ...]]
    received_ms: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class NodeSummary:
    """One node's averages and peaks over a window (the fleet view)."""

    node: str
    samples: int
    cpu_pct_avg: float | None
    cpu_pct_max: float | None
    mem_used_avg: float | None
    mem_used_max: float | None
    mem_total_max: float | None
    disk_util_max: float | None
