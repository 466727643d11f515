"""The suggestion table: each reason's fix, only on the evidence that supports it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from master.remediation.suggestions import SUGGESTIONS, GiB, MiB, Suggestion, Tuning, suggest
from shared.domain.refs import ObjectRef
from shared.quantities import memory as format_bytes
from shared.quantities import whole_bytes as parse_bytes
from tests.unit.remediation.findings import DEPLOY, NOW, evidence, finding, rollout


def test_a_crash_loop_right_after_a_rollout_suggests_rolling_back_to_the_revision_before() -> None:
    s = suggest(evidence(finding("CrashLoopBackOff"), revisions=rollout(5)), NOW)
    assert s is not None
    assert s.action.as_json() == {
        "type": "rollback",
        "target": {"kind": "Deployment", "namespace": "shop", "name": "checkout"},
        "params": {"revision": 1},
    }
    assert s.inverse is not None and s.inverse.params == {"revision": 2}  # rollback of rollback
    assert "revision 2 5 min ago" in s.why and "roll back to revision 1" in s.why
    assert [r["revision"] for r in s.evidence["revisions"]] == [1, 2]
    assert s.evidence["finding"]["fingerprint"] == "fp-CrashLoopBackOff"


def test_a_crash_loop_long_after_the_last_rollout_suggests_nothing() -> None:
    old = rollout(Tuning().recent_rollout_s // 60 + 1)
    assert suggest(evidence(finding("CrashLoopBackOff"), revisions=old), NOW) is None
    assert suggest(evidence(finding("CrashLoopBackOff"), revisions=rollout(5)[:1]), NOW) is None


def test_an_oom_kill_raises_limit_and_request_by_the_step_rounded_up_to_64_mib() -> None:
    ev = evidence(finding("OOMKilled"), memory_limit=512 * MiB, memory_request=256 * MiB)
    s = suggest(ev, NOW)
    assert s is not None and s.action.type == "set_resources"
    assert s.action.params == {
        "container": "main",
        "limits": {"memory": "768Mi"},
        "requests": {"memory": "384Mi"},
    }
    assert s.inverse is not None
    assert s.inverse.params["limits"] == {"memory": "512Mi"}
    assert s.inverse.params["requests"] == {"memory": "256Mi"}
    assert "OOMKilled" in s.why and "768Mi" in s.why


def test_a_predicted_oom_uses_the_observed_peak_when_it_is_above_the_factor() -> None:
    f = finding("PredictedOOM", attrs={"container": "main"})
    ev = evidence(f, memory_limit=512 * MiB, memory_peak=700 * MiB)
    s = suggest(ev, NOW)
    assert s is not None
    # 700 MiB x 1.2 = 840 MiB > 768 MiB, rounded up to 896 MiB; no request set: none sent.
    assert s.action.params["limits"] == {"memory": "896Mi"}
    assert s.action.params["requests"] is None


def test_memory_is_never_suggested_above_the_cap_nor_without_a_limit() -> None:
    f = finding("OOMKilled")
    at_cap = suggest(evidence(f, memory_limit=16 * GiB), NOW)
    assert at_cap is None
    assert suggest(evidence(f, memory_limit=None), NOW) is None
    capped = suggest(evidence(f, memory_limit=12 * GiB), NOW)
    assert capped is not None and capped.action.params["limits"] == {"memory": "16Gi"}


@given(
    limit_mib=st.integers(min_value=1, max_value=12_000),
    peak_mib=st.none() | st.integers(min_value=1, max_value=20_000),
)
def test_a_raised_limit_is_whole_steps_above_the_old_one_and_never_past_the_cap(
    limit_mib: int, peak_mib: int | None
) -> None:
    t = Tuning()
    ev = evidence(
        finding("OOMKilled"),
        memory_limit=limit_mib * MiB,
        memory_peak=None if peak_mib is None else peak_mib * MiB,
    )
    s = suggest(ev, NOW, t)
    assert s is not None
    new = parse_bytes(s.action.params["limits"]["memory"])
    assert new is not None
    assert new % t.memory_step == 0
    assert limit_mib * MiB < new <= t.memory_cap
    assert new >= min(limit_mib * MiB * t.memory_factor, t.memory_cap)


def test_an_image_pull_error_after_an_image_change_sets_the_previous_image() -> None:
    f = finding("ImagePullBackOff", attrs={"container": "main", "image": "shop/checkout:2.5"})
    ev = evidence(f, revisions=rollout(3, images=("shop/checkout:2.4", "shop/checkout:2.5")))
    s = suggest(ev, NOW)
    assert s is not None and s.action.type == "set_image"
    assert s.action.params == {"container": "main", "image": "shop/checkout:2.4"}
    assert s.inverse is not None and s.inverse.params["image"] == "shop/checkout:2.5"


def test_an_image_pull_error_without_the_previous_image_rolls_back_a_deployment() -> None:
    f = finding("ImagePullBackOff", attrs={"container": "main", "image": "shop/checkout:2.5"})
    s = suggest(evidence(f, revisions=rollout(3)), NOW)
    assert s is not None and s.action.type == "rollback"
    assert s.action.params == {"revision": 1}


def test_a_not_ready_node_with_pods_is_drained_and_the_inverse_uncordons_it() -> None:
    node = ObjectRef("Node", "", "n1")
    f = finding("NodeNotReady", subject=node, owner=None, attrs={})
    s = suggest(evidence(f, workload=None, node_pods=7), NOW)
    assert s is not None
    assert (s.action.type, s.action.target) == ("drain", node)
    assert s.inverse is not None and s.inverse.type == "uncordon"
    assert "7 pods" in s.why and "cordon" in s.why
    assert suggest(evidence(f, workload=None, node_pods=0), NOW) is None


def test_a_stuck_rollout_rolls_back_or_restarts_when_there_is_nothing_to_go_back_to() -> None:
    f = finding("ProgressDeadlineExceeded", subject=DEPLOY, owner=None, attrs={})
    back = suggest(evidence(f, revisions=rollout(300)), NOW)
    assert back is not None and back.action.type == "rollback"
    restart = suggest(evidence(f, revisions=rollout(300)[:1]), NOW)
    assert restart is not None and restart.action.type == "rollout_restart"
    assert restart.inverse is None


def test_reasons_without_a_row_and_resolved_findings_suggest_nothing() -> None:
    assert suggest(evidence(finding("PVCPending")), NOW) is None
    resolved = finding("CrashLoopBackOff", resolved=True)
    assert suggest(evidence(resolved, revisions=rollout(5)), NOW) is None


def test_the_same_fix_of_the_same_finding_has_the_same_id_and_survives_json() -> None:
    ev = evidence(finding("OOMKilled"), memory_limit=512 * MiB)
    a, b = suggest(ev, NOW), suggest(ev, NOW + 1000)
    assert a is not None and b is not None and a.id == b.id
    assert Suggestion.from_json(a.as_json()) == a


def test_every_row_names_a_reason_the_agent_or_the_anomaly_detectors_report() -> None:
    from agent.detect.rules import RULES
    from master.anomaly.detectors import DETECTORS

    assert set(SUGGESTIONS) <= set(RULES) | set(DETECTORS)


@given(st.integers(min_value=1, max_value=2**44))
def test_memory_quantities_round_trip_through_their_binary_spelling(n: int) -> None:
    assert parse_bytes(format_bytes(n)) == n


def test_memory_quantities_parse_decimal_binary_and_exponent_forms() -> None:
    assert parse_bytes("512Mi") == 512 * MiB
    assert parse_bytes("1G") == 10**9
    assert parse_bytes("1e3") == 1000
    assert parse_bytes("1.5Gi") == 1536 * MiB
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_bytes("lots")
