"""The approval policy: roles, approvers, the two-person rule, expiry, and automation's rate
limit and circuit breaker."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from master.auth.roles import Role
from master.remediation.policy import (
    DEFAULT_RULE,
    HOUR_MS,
    Approval,
    AutoRun,
    PolicyConfig,
    Rule,
    Verdict,
    judge_approval,
    judge_auto,
)

NOW = 1_700_000_000_000


def _approve(
    rule: Rule,
    approver: str,
    *,
    approvals: tuple[Approval, ...] = (),
    role: Role | None = Role.OPERATOR,
    expires_ms: int = NOW + 1,
) -> Verdict:
    return judge_approval(
        rule,
        requested_by="otto",
        approvals=approvals,
        approver=approver,
        role=role,
        expires_ms=expires_ms,
        now_ms=NOW,
    )


def test_by_default_another_operator_approves_and_that_one_approval_is_enough() -> None:
    v = _approve(DEFAULT_RULE, "olga")
    assert v.ok and v.complete


def test_the_two_person_rule_refuses_the_requester_saying_why() -> None:
    v = _approve(DEFAULT_RULE, "otto")
    assert not v.ok
    assert "two-person rule" in v.why and "otto" in v.why


def test_without_the_two_person_rule_the_requester_may_approve() -> None:
    assert _approve(Rule(two_person=False), "otto").ok


def test_two_approvers_need_two_distinct_people_and_nobody_approves_twice() -> None:
    rule = Rule(approvers=2)
    first = _approve(rule, "olga")
    assert first.ok and not first.complete
    again = _approve(rule, "olga", approvals=(Approval("olga", NOW - 1),))
    assert not again.ok and "already approved" in again.why
    second = _approve(rule, "ada", approvals=(Approval("olga", NOW - 1),))
    assert second.ok and second.complete


def test_an_expired_request_and_a_role_the_rule_does_not_name_are_refused() -> None:
    assert "expired" in _approve(DEFAULT_RULE, "olga", expires_ms=NOW).why
    admins_only = Rule(approve_roles=("admin",))
    v = _approve(admins_only, "olga")
    assert not v.ok and "admin" in v.why
    assert _approve(admins_only, "ada", role=Role.ADMIN).ok
    assert not _approve(DEFAULT_RULE, "vera", role=Role.VIEWER).ok
    assert not _approve(DEFAULT_RULE, "nobody", role=None).ok


def test_the_most_specific_rule_wins_and_the_default_applies_elsewhere() -> None:
    config = PolicyConfig(
        rules=(
            Rule(cluster="prod", approvers=2),
            Rule(cluster="prod", namespace="shop", approve_roles=("admin",)),
        )
    )
    assert config.rule_for("prod", "shop").approve_roles == ("admin",)
    assert config.rule_for("prod", "web").approvers == 2
    assert config.rule_for("dev", "shop") == DEFAULT_RULE


@pytest.mark.parametrize(
    "bad",
    [
        {"rules": [{"approvers": 3}]},
        {"rules": [{"approve_roles": []}]},
        {"rules": [{"approve_roles": ["viewer"]}]},
        {"rules": [{"namespace": "shop"}]},  # a namespace needs its cluster
        {"rules": [{"cluster": "a"}, {"cluster": "a"}]},
        {"rules": [{"expiry_s": 0}]},
        {"rules": [{"surprise": True}]},
    ],
)
def test_a_bad_policy_is_refused_whole(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PolicyConfig.model_validate(bad)


AUTO = Rule(auto_approve=True, rate_per_hour=3, breaker_failures=2, breaker_window_s=3600)


def test_automation_is_off_by_default_and_limited_to_its_reasons() -> None:
    assert "off" in judge_auto(DEFAULT_RULE, reason="OOMKilled", history=(), now_ms=NOW).why
    only = Rule(auto_approve=True, auto_reasons=("OOMKilled",))
    assert judge_auto(only, reason="OOMKilled", history=(), now_ms=NOW).ok
    assert not judge_auto(only, reason="CrashLoopBackOff", history=(), now_ms=NOW).ok
    dry = Rule(auto_approve=True, dry_run_only=True)
    assert "dry-run only" in judge_auto(dry, reason="OOMKilled", history=(), now_ms=NOW).why


def test_automation_stops_at_its_hourly_rate_and_resumes_after_the_hour() -> None:
    runs = [AutoRun(NOW - i * 60_000, "resolved") for i in range(3)]
    v = judge_auto(AUTO, reason="OOMKilled", history=runs, now_ms=NOW)
    assert not v.ok and "rate limit" in v.why
    later = NOW + HOUR_MS
    assert judge_auto(AUTO, reason="OOMKilled", history=runs, now_ms=later).ok


def test_the_circuit_breaker_opens_after_k_failed_outcomes_in_its_window() -> None:
    runs = [AutoRun(NOW - 60_000, "no_effect"), AutoRun(NOW - 120_000, "worse")]
    v = judge_auto(AUTO, reason="OOMKilled", history=runs, now_ms=NOW)
    assert not v.ok and "circuit breaker" in v.why and "2" in v.why
    one = judge_auto(AUTO, reason="OOMKilled", history=runs[:1], now_ms=NOW)
    assert one.ok  # one failure is under the breaker's limit
    out_of_window = NOW + AUTO.breaker_window_s * 1000 + 1
    assert (
        "circuit"
        not in judge_auto(AUTO, reason="OOMKilled", history=runs, now_ms=out_of_window).why
    )


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2 * HOUR_MS),
            st.sampled_from(["", "resolved", "no_effect", "worse"]),
        ),
        max_size=20,
    )
)
def test_an_automatic_approval_never_exceeds_the_rate_nor_ignores_the_breaker(
    history: list[tuple[int, str]],
) -> None:
    runs = [AutoRun(NOW - ago, outcome) for ago, outcome in history]
    v = judge_auto(AUTO, reason="OOMKilled", history=runs, now_ms=NOW)
    in_hour = sum(1 for r in runs if r.at_ms >= NOW - HOUR_MS)
    failed = sum(
        1 for r in runs if r.at_ms >= NOW - HOUR_MS and r.outcome in ("no_effect", "worse")
    )
    assert v.ok == (in_hour < AUTO.rate_per_hour and failed < AUTO.breaker_failures)
