"""The pure core of leader election: one observed Lease in, one decision (and body) out.

Follows client-go's ``leaderelection`` semantics on a ``coordination.k8s.io/v1`` Lease:

* **Expiry by my own clock.** A candidate never compares the Lease's ``renewTime`` with its own
  wall clock (clocks of two nodes disagree). It remembers when, on its own monotonic clock, it
  last *saw the record change*; the holder is presumed dead only when the record has stayed the
  same for ``leaseDurationSeconds`` from then. A leader that keeps renewing keeps changing
  ``renewTime``, so followers keep pushing the expiry out, whatever the timestamps say.
* **Optimistic concurrency.** Every takeover and renewal is a full replace carrying the
  observed ``resourceVersion``: of two candidates racing for an expired lease, the API server
  accepts one and answers 409 Conflict to the other.
* **Release.** A leader that stops cleanly writes an empty ``holderIdentity`` (and a 1 s
  duration), which any follower may take at once.
* **Fencing.** A leader gives up ``renew_deadline_s`` after the moment it *sent* its last
  successful write (``give_up_at``). Any follower observed that write later than it was sent,
  so it cannot take over before ``sent + lease_duration_s``: the leader is gone
  ``lease_duration_s - renew_deadline_s`` seconds before anyone may stream.

Deliberately does not own: HTTP, waiting, retries, logging (``agent.leader.election``).
Times: ``now`` is the caller's monotonic clock in seconds, ``wall`` the UTC time written into
the Lease for humans and other tools (``kubectl get lease``); no decision reads ``wall``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypedDict

API_VERSION = "coordination.k8s.io/v1"


class LeaseMetadata(TypedDict, total=False):
    name: str
    namespace: str
    resourceVersion: str


class LeaseSpec(TypedDict, total=False):
    holderIdentity: str
    leaseDurationSeconds: int
    acquireTime: str
    renewTime: str
    leaseTransitions: int


class LeaseObject(TypedDict, total=False):
    """A Lease as the API server sends and takes it (raw JSON)."""

    apiVersion: str
    kind: str
    metadata: LeaseMetadata
    spec: LeaseSpec


@dataclass(frozen=True, slots=True)
class Candidate:
    """Who I am and which Lease we compete for."""

    identity: str
    lease_name: str
    namespace: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class Record:
    """The election-relevant content of a Lease's spec."""

    holder: str
    duration_s: int  # 0: absent from the Lease
    acquire_time: str
    renew_time: str
    transitions: int

    @classmethod
    def of(cls, lease: LeaseObject) -> Record:
        spec = lease.get("spec") or {}
        return cls(
            holder=spec.get("holderIdentity") or "",
            duration_s=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=spec.get("acquireTime") or "",
            renew_time=spec.get("renewTime") or "",
            transitions=int(spec.get("leaseTransitions") or 0),
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """A Lease as I last saw it, and when (my monotonic clock) its record last changed."""

    record: Record
    resource_version: str
    changed_at: float


def observe(previous: Observation | None, lease: LeaseObject, now: float) -> Observation:
    """Fold a freshly read (or written) Lease into what I know. Only a changed record moves
    ``changed_at``: re-reading an unrenewed lease must not extend it."""
    record = Record.of(lease)
    version = (lease.get("metadata") or {}).get("resourceVersion", "")
    if previous is not None and previous.record == record:
        return replace(previous, resource_version=version)
    return Observation(record, version, now)


class Action(StrEnum):
    CREATE = "create"  # no Lease yet: create one naming me
    ACQUIRE = "acquire"  # free (released) or expired by my clock: replace it, naming me
    RENEW = "renew"  # it names me: replace it with a fresh renewTime
    STAND_BY = "stand_by"  # someone else holds it and it is valid by my clock
    LOST = "lost"  # I was leading and it now names someone else (or nobody)


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    holder: str  # who the observed Lease names ('' = nobody, or no Lease)
    expires_in_s: float  # STAND_BY: seconds (my clock) until I may take it over; else 0
    body: LeaseObject | None  # what to write for CREATE / ACQUIRE / RENEW


def decide(
    observed: Observation | None,
    me: Candidate,
    *,
    leading: bool,
    now: float,
    wall: datetime,
) -> Decision:
    """What to do about the Lease, given what I last observed (``None``: it does not exist)."""
    if observed is None:
        if leading:  # deleted under me: someone intervened, do not resurrect it while streaming
            return Decision(Action.LOST, "", 0.0, None)
        return Decision(Action.CREATE, "", 0.0, _body(me, None, wall, acquired=True))
    holder = observed.record.holder
    if holder == me.identity:
        # Mine: renew. Also when I am not leading yet: the same identity is the same pod,
        # whose previous container is gone (client-go does the same).
        return Decision(Action.RENEW, holder, 0.0, _body(me, observed, wall, acquired=not leading))
    if leading:
        return Decision(Action.LOST, holder, 0.0, None)
    if holder:
        duration = observed.record.duration_s or _whole_seconds(me.duration_s)
        left = observed.changed_at + duration - now
        if left > 0:
            return Decision(Action.STAND_BY, holder, left, None)
    return Decision(Action.ACQUIRE, holder, 0.0, _body(me, observed, wall, acquired=True))


def release_body(observed: Observation, me: Candidate, wall: datetime) -> LeaseObject | None:
    """The write that hands the Lease back (client-go ReleaseOnCancel), or None when the last
    observation does not name me (nothing of mine to release)."""
    if observed.record.holder != me.identity:
        return None
    stamp = microtime(wall)
    return {
        "apiVersion": API_VERSION,
        "kind": "Lease",
        "metadata": _metadata(me, observed.resource_version),
        "spec": {
            "holderIdentity": "",
            "leaseDurationSeconds": 1,  # the API refuses 0; empty holder is free at once anyway
            "acquireTime": stamp,
            "renewTime": stamp,
            "leaseTransitions": observed.record.transitions,
        },
    }


def give_up_at(sent_at: float, renew_deadline_s: float) -> float:
    """When (my clock) a leader whose last successful write was sent at ``sent_at`` must stop."""
    return sent_at + renew_deadline_s


def microtime(wall: datetime) -> str:
    """A Lease ``MicroTime``: RFC 3339 in UTC with microseconds."""
    return wall.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _whole_seconds(duration_s: float) -> int:
    # leaseDurationSeconds is an integer; rounding up keeps followers at least as patient as
    # the leader's own (fractional) deadline assumes.
    return max(1, math.ceil(duration_s))


def _metadata(me: Candidate, resource_version: str) -> LeaseMetadata:
    meta: LeaseMetadata = {"name": me.lease_name, "namespace": me.namespace}
    if resource_version:
        meta["resourceVersion"] = resource_version
    return meta


def _body(
    me: Candidate, observed: Observation | None, wall: datetime, *, acquired: bool
) -> LeaseObject:
    stamp = microtime(wall)
    previous = observed.record if observed is not None else None
    transitions = previous.transitions if previous is not None else 0
    if previous is not None and previous.holder != me.identity:
        transitions += 1
    acquire_time = stamp if acquired or previous is None else previous.acquire_time or stamp
    return {
        "apiVersion": API_VERSION,
        "kind": "Lease",
        "metadata": _metadata(me, observed.resource_version if observed is not None else ""),
        "spec": {
            "holderIdentity": me.identity,
            "leaseDurationSeconds": _whole_seconds(me.duration_s),
            "acquireTime": acquire_time,
            "renewTime": stamp,
            "leaseTransitions": transitions,
        },
    }
