"""The decision the engine hands out: notify this receiver about this group, now.

``master.notify`` turns it into a channel's payload (Slack blocks, an email, Alertmanager's
webhook JSON, …).

``idempotency_key`` names one notification of one incident: a digest of receiver, group key,
the incident's first fire time (``incident_ms``, the group's ``created_ms``) and the group's
sequence number within that incident. A notification re-written after a crash between send and
commit carries the key of the one already sent, so a receiver can drop it. A group that
resolved is dropped and a later incident of the same group starts again at sequence 1, but at
a later ``incident_ms``, so its keys differ from the earlier incident's. A repeat (or an update
on ``group_interval``) within one incident is a new notification a person should see, so it
gets the next sequence and a new key, never the first's; what ties an incident's notifications
together is ``first_idempotency_key`` (the key at sequence 1), which email threads by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from master.alerts.labels import digest

NotifyStatus = Literal["firing", "resolved"]


@dataclass(frozen=True, slots=True)
class NotifiedAlert:
    fingerprint: str
    status: NotifyStatus
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at_ms: int
    ends_at_ms: int  # 0 while firing
    acked_by: str = ""
    flapping: bool = False
    # Firing and not in the group's previous notification: what fire-time work (enrichment)
    # is for, so a repeat or an update about others does not redo it.
    new: bool = False


@dataclass(frozen=True, slots=True)
class Notification:
    receiver: str
    group_key: str
    route_key: str
    status: NotifyStatus
    group_labels: Mapping[str, str]
    common_labels: Mapping[str, str]
    common_annotations: Mapping[str, str]
    alerts: tuple[NotifiedAlert, ...]
    sequence: int
    idempotency_key: str
    at_ms: int
    incident_ms: int

    @property
    def first_idempotency_key(self) -> str:
        """The key of this incident's first notification (sequence 1)."""
        return idempotency_key(
            self.receiver, self.group_key, incident_ms=self.incident_ms, sequence=1
        )

    @property
    def firing(self) -> int:
        return sum(a.status == "firing" for a in self.alerts)

    @property
    def resolved(self) -> int:
        return sum(a.status == "resolved" for a in self.alerts)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["firing"], out["resolved"] = self.firing, self.resolved
        return out


def idempotency_key(receiver: str, group_key: str, *, incident_ms: int, sequence: int) -> str:
    return digest("notification", receiver, group_key, str(incident_ms), str(sequence), size=32)


def common(maps: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """The pairs every map has (Alertmanager's commonLabels / commonAnnotations)."""
    it = iter(maps)
    first = next(it, None)
    if first is None:
        return {}
    out = dict(first)
    for m in it:
        out = {k: v for k, v in out.items() if m.get(k) == v}
        if not out:
            break
    return dict(sorted(out.items()))
