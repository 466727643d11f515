"""What happens when an agent reaches one of its cluster's bounds (``LimitsSettings``).

Everything an agent can make the master hold is bounded per cluster, so one agent's garbage
costs its own cluster's completeness, never the master's memory or another cluster's view:

    bound             checked where                    when reached
    objects_per_kind  ClusterState.apply_delta         growth: new objects of the kind refused,
                      (live state and a staged          updates and deletes of known ones apply
                      snapshot, each on its own)
    resource_bytes    ClusterState.apply_delta         growth: upserts that would grow the total
                                                       refused (an update keeps the older version)
    active_findings   DataHub.apply_journal            growth: new fingerprints not held active
                                                       (the record is still stored in history);
                                                       updates and resolutions apply
    nodes             DataHub.apply_journal            growth: samples of further nodes not held
    ingress_series    DataHub.apply_journal            growth: samples of further ingress
                                                       routes not held (rings: datahub.ingress)
    journal_items     master.ingress.reading           one oversized frame: refused whole and the
                      (before decoding)                stream closed with RESOURCE_EXHAUSTED --
                                                       nothing of it is acknowledged, so nothing
                                                       acknowledged is lost, and accepting part of
                                                       a record would lose data silently
    source statuses   master.ingress.reading           at most one per mirrored kind: a status of
                                                       any other kind is a protocol error

Growth limits refuse rather than evict: what is held stays true, what is missing is named. A
reached bound is a ``LimitHit`` on the cluster (the API shows the cluster as degraded with the
hits) and a finding raised by the master itself (reason ``AgentLimitExceeded``, fingerprint
under ``MASTER_FINGERPRINT``) held among the cluster's active findings -- there is no alert
service yet; when there is, it sees the finding like any other. A hit clears when the state is
whole again: a snapshot swapped in without refusals (objects, bytes), a complete finding batch
applied without refusals (findings), a later journal record applied (an oversized frame).

Held findings are clipped when an agent makes a field absurdly long (``held``), so the count
bound on findings is also a bound on their bytes; the master's own findings (one per hit) do not
take the agent's room.

Owns the hit bookkeeping, the master's findings about it and the clipping of held findings;
not the checks themselves (the modules named above) nor the gRPC status
(``master.ingress.stream``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from master.errors import ProtocolError
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

REASON = "AgentLimitExceeded"
# Agent fingerprints are hex digests, so nothing an agent sends can name this prefix; the
# DataHub ignores agent findings that try, and reconciliation never resolves these.
MASTER_FINGERPRINT = "lookout-master:"

HitKey = tuple[str, str]  # (bound name, scope: a kind or "")


class AgentLimitExceeded(ProtocolError):
    """An agent sent one frame larger than a bound allows (-> RESOURCE_EXHAUSTED)."""

    def __init__(self, limit: str, *, bound: int, got: int, what: str, seq: int = 0) -> None:
        super().__init__(f"{what}: {got} exceeds the master's bound of {bound} ({limit})")
        self.limit = limit
        self.bound = bound
        self.got = got
        self.seq = seq  # the journal record the agent must get past


@dataclass(slots=True)
class LimitHit:
    limit: str
    scope: str
    bound: int
    refused: int  # items refused since the hit began
    first_ms: int
    last_ms: int
    message: str
    seq: int = 0  # journal_items: the record the agent must get past for the hit to clear


# A held finding's text, in characters: its message as much as history keeps (a screenful);
# its other fields, its owner and its attributes each far more than a real finding needs. A
# finding over them is held clipped, so the count bound is also a bytes bound.
MESSAGE_MAX = 4_000
FIELDS_MAX = 2_048
ATTRS_MAX = 32


def held(f: Finding) -> Finding:
    """``f`` as the DataHub holds it: itself, unless an agent made a field absurdly long."""
    return f if _fits(f) else _clipped(f)


def _ref_len(ref: ObjectRef) -> int:
    return len(ref.kind) + len(ref.namespace) + len(ref.name) + len(ref.uid)


def _fits(f: Finding) -> bool:
    if len(f.message) > MESSAGE_MAX:
        return False
    own = len(f.fingerprint) + len(f.reason) + len(f.category) + len(f.node)
    if own + _ref_len(f.subject) > FIELDS_MAX:
        return False
    if f.owner is not None and _ref_len(f.owner) > FIELDS_MAX:
        return False
    a = f.attrs
    return not a or (
        len(a) <= ATTRS_MAX and sum(len(k) + len(v) for k, v in a.items()) <= FIELDS_MAX
    )


def held_fingerprint(fp: str) -> str:
    """The key a finding is held under (a real fingerprint is a short digest)."""
    return _clip(fp, FIELDS_MAX // 8)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size]


def _clip_ref(ref: ObjectRef) -> ObjectRef:
    n = FIELDS_MAX // 8
    return ObjectRef(
        _clip(ref.kind, n), _clip(ref.namespace, n), _clip(ref.name, n), _clip(ref.uid, n)
    )


def _clipped(f: Finding) -> Finding:
    n = FIELDS_MAX // 8  # each of eight text fields, then each attribute key and value
    attrs = list(f.attrs.items())[:ATTRS_MAX]
    return dataclasses.replace(
        f,
        fingerprint=held_fingerprint(f.fingerprint),
        reason=_clip(f.reason, n),
        category=_clip(f.category, n),
        subject=_clip_ref(f.subject),
        owner=_clip_ref(f.owner) if f.owner is not None else None,
        node=_clip(f.node, n),
        message=_clip(f.message, MESSAGE_MAX),
        attrs={_clip(k, n // 4): _clip(v, n // 4) for k, v in attrs},
    )


def is_master_finding(fingerprint: str) -> bool:
    return fingerprint.startswith(MASTER_FINGERPRINT)


def fingerprint_of(key: HitKey) -> str:
    limit, scope = key
    return f"{MASTER_FINGERPRINT}limit:{limit}:{scope}"


def finding_for(cluster: str, hit: LimitHit) -> Finding:
    """The master's own finding for ``hit`` on ``cluster``."""
    return Finding(
        fingerprint=fingerprint_of((hit.limit, hit.scope)),
        reason=REASON,
        # A refused frame stops the cluster's journal; a growth bound only thins its view.
        severity=Severity.CRITICAL if hit.limit == "journal_items" else Severity.WARNING,
        category="master",
        subject=ObjectRef("Cluster", "", cluster),
        message=hit.message,
        first_seen_ms=hit.first_ms,
        last_seen_ms=hit.last_ms,
        count=hit.refused,
        attrs={"limit": hit.limit, "scope": hit.scope, "bound": str(hit.bound)},
    )


def describe(limit: str, scope: str, bound: int) -> str:
    """The hit's message: what was refused and which setting bounds it."""
    setting = f"MASTER_LIMITS__{limit.upper()}={bound}"
    if limit == "objects_per_kind":
        return f"agent sent more {scope} objects than {setting}; new ones are not mirrored"
    if limit == "resource_bytes":
        return f"mirrored objects would exceed {setting} bytes; growing upserts are refused"
    if limit == "active_findings":
        return f"agent reported more active findings than {setting}; new ones are not held"
    if limit == "nodes":
        return f"agent sent metrics of more nodes than {setting}; new nodes are not held"
    if limit == "ingress_series":
        return f"agent sent samples of more ingress routes than {setting}; new ones are not held"
    return f"agent sent a journal frame over {setting} items; its stream was closed"
