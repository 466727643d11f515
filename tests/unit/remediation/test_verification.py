"""Verification: resolved, no effect, worse, or still watching."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from master.remediation.verification import Outcome, judge
from shared.domain.findings import Severity
from shared.domain.refs import ObjectRef
from tests.unit.remediation.findings import NOW, finding

RAN = NOW - 60_000
WATCH = 300_000


def _judge(active: list, now: int = RAN + WATCH) -> Outcome:  # type: ignore[type-arg]
    return judge(
        reason="CrashLoopBackOff", active=active, succeeded_ms=RAN, watch_ms=WATCH, now_ms=now
    ).outcome


def test_nothing_of_the_reason_left_after_the_watch_is_resolved() -> None:
    assert _judge([]) is Outcome.RESOLVED


def test_the_same_reason_on_a_replacement_pod_after_the_watch_is_no_effect() -> None:
    successor = finding("CrashLoopBackOff", subject=ObjectRef("Pod", "shop", "checkout-new-1"))
    assert _judge([successor]) is Outcome.NO_EFFECT


def test_before_the_watch_ends_the_outcome_is_pending() -> None:
    assert _judge([], now=RAN + WATCH - 1) is Outcome.PENDING
    assert _judge([finding("CrashLoopBackOff")], now=RAN + 1) is Outcome.PENDING


def test_a_new_critical_finding_of_another_reason_is_worse_at_once() -> None:
    new = finding("ImagePullBackOff", first_seen_ms=RAN + 1)
    assert _judge([new], now=RAN + 2) is Outcome.WORSE


def test_older_or_milder_findings_of_other_reasons_do_not_make_it_worse() -> None:
    old = finding("ImagePullBackOff", first_seen_ms=RAN - 1)
    mild = finding("PodNotReady", severity=Severity.WARNING, first_seen_ms=RAN + 1)
    assert _judge([old, mild]) is Outcome.RESOLVED


@given(st.integers(min_value=0, max_value=2 * WATCH), st.booleans())
def test_a_verdict_other_than_worse_waits_for_the_whole_watch(after: int, persists: bool) -> None:
    active = [finding("CrashLoopBackOff")] if persists else []
    outcome = _judge(active, now=RAN + after)
    assert (outcome is Outcome.PENDING) == (after < WATCH)
