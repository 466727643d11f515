"""Did the fix work? Pure judgement after the command succeeded.

Input: the finding the remediation was for, the findings active now on the same workload (or
node), when the command succeeded, the watch time and ``now``. Output:

- ``worse``: a *new* critical finding on the workload, of another reason, opened after the run
  (decided at once: nobody should wait out the watch for a fix that made things worse);
- ``no_effect``: at the end of the watch, the same reason is still active on the workload —
  the original finding or its successor on a replacement pod (a rollback replaces the pods, so
  the fingerprint changes while the crash loop goes on);
- ``resolved``: at the end of the watch, nothing of that reason is active;
- ``pending``: the watch is not over and nothing is worse yet."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from shared.domain.findings import Finding, Severity


class Outcome(enum.StrEnum):
    PENDING = "pending"
    RESOLVED = "resolved"
    NO_EFFECT = "no_effect"
    WORSE = "worse"


@dataclass(frozen=True, slots=True)
class Judgement:
    outcome: Outcome
    why: str


def judge(
    *,
    reason: str,
    active: Iterable[Finding],
    succeeded_ms: int,
    watch_ms: int,
    now_ms: int,
) -> Judgement:
    """``active``: the findings active now on the remediation's workload (the shell selects
    them by owner, subject or node)."""
    found = list(active)
    worse = [
        f
        for f in found
        if f.reason != reason and f.severity >= Severity.CRITICAL and f.first_seen_ms > succeeded_ms
    ]
    if worse:
        first = min(worse, key=lambda f: f.first_seen_ms)
        return Judgement(
            Outcome.WORSE, f"new critical finding after the fix: {first.reason} on {first.subject}"
        )
    if now_ms < succeeded_ms + watch_ms:
        return Judgement(Outcome.PENDING, "watching")
    same = [f for f in found if f.reason == reason]
    watched = f"{watch_ms // 1000} s"
    if same:
        return Judgement(
            Outcome.NO_EFFECT,
            f"{reason} still active on {same[0].subject} {watched} after the fix",
        )
    return Judgement(Outcome.RESOLVED, f"no {reason} on the workload {watched} after the fix")
