"""The remediation's life cycle and the moves it allows. Pure data.

    suggested ─preview─▶ previewed ─▶ pending_approval ─approve (enough)─▶ approved ─▶ running
        running ─▶ succeeded ─watch─▶ resolved | no_effect | worse
        running ─▶ failed
    pending_approval ─(expiry)─▶ expired     suggested | previewed | pending_approval ─▶ rejected

``approved → running`` is the single use of an approval: the store moves it with a
compare-and-set on the state, so two callers racing to run the same approval find one
winner (the other sees ``running`` and runs nothing)."""

from __future__ import annotations

import enum


class State(enum.StrEnum):
    SUGGESTED = "suggested"
    PREVIEWED = "previewed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RESOLVED = "resolved"
    NO_EFFECT = "no_effect"
    WORSE = "worse"
    EXPIRED = "expired"
    REJECTED = "rejected"

    @property
    def final(self) -> bool:
        return self in FINAL


FINAL = frozenset(
    {State.FAILED, State.RESOLVED, State.NO_EFFECT, State.WORSE, State.EXPIRED, State.REJECTED}
)
# Not final and not yet run: one of these per reason and target at a time (no repeats).
OPEN = frozenset({State.SUGGESTED, State.PREVIEWED, State.PENDING_APPROVAL, State.APPROVED})
PREVIEWABLE = frozenset({State.SUGGESTED, State.PREVIEWED, State.PENDING_APPROVAL, State.EXPIRED})
REJECTABLE = frozenset({State.SUGGESTED, State.PREVIEWED, State.PENDING_APPROVAL})
