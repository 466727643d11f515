"""Remediation end to end: a real finding from the real agent on kubesim becomes a suggestion,
is previewed as a dry run, approved under the two-person rule, run exactly once through the
command bus, and verified; approvals expire; automation stops at its rate limit and circuit
breaker. Everything over the authenticated HTTP API, as the dashboard would."""

from __future__ import annotations

from typing import Any

import pytest

from master.remediation import mirror
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef
from tests.integration.remediation.conftest import NS, Env, stuck_rollout, until

pytestmark = pytest.mark.timeout(240)


def _for(items: list[dict[str, Any]], name: str, reason: str) -> dict[str, Any] | None:
    for r in items:
        if r["target"]["name"] == name and r["reason"] == reason:
            return r
    return None


async def _state(env: Env, rid: str, *states: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await env.get(rid)
        return r if r["state"] in states else None

    found: dict[str, Any] = await until(probe, what=f"remediation {rid} in {states}")
    return found


async def _suggested(env: Env, name: str, reason: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        return _for(await env.remediations(), name, reason)

    found: dict[str, Any] = await until(probe, what=f"a {reason} remediation of {name}", timeout=90)
    return found


async def test_a_crash_loop_after_a_rollout_is_rolled_back_once_by_two_people_and_persists(
    env: Env,
) -> None:
    # A rollout of the crash-looping Deployment: revision 2, whose pods crash like revision 1's.
    r = await env.call(
        "admin", "POST", "/clusters/edge/commands",
        json={"type": "set_image", "target": {"kind": "Deployment", "namespace": NS,
              "name": "checkout"},
              "params": {"container": "main", "image": "registry.local/checkout:2.4.2"}},
        prefer="wait=30",
    )  # fmt: skip
    assert r.status_code == 202 and r.json()["state"] == "succeeded", r.text

    rem = await _suggested(env, "checkout", "CrashLoopBackOff")
    rid = rem["id"]
    assert rem["state"] == "suggested"
    action = rem["suggestion"]["action"]
    assert (action["type"], action["params"]) == ("rollback", {"revision": 1})
    assert rem["suggestion"]["inverse"]["params"] == {"revision": 2}
    assert "revision 2" in rem["suggestion"]["why"]
    assert [h["revision"] for h in rem["suggestion"]["evidence"]["revisions"]] == [1, 2]

    # A viewer-less world still has limits: approving before a preview is refused.
    early = await env.call("olga", "POST", f"/remediations/{rid}/approve")
    assert early.status_code == 409 and "preview" in early.json()["message"]

    # Preview: a dry run through the bus; its diff and the impact check come back.
    p = await env.call("otto", "POST", f"/remediations/{rid}/preview")
    assert p.status_code == 200, p.text
    previewed = p.json()
    assert previewed["state"] == "pending_approval" and previewed["requested_by"] == "otto"
    diff = previewed["preview"]["diff"]
    assert diff == {"from_revision": 2, "to_revision": 1, "changed": True, "dry_run": True}
    assert previewed["preview"]["impact"]["replicas"]["desired"] == 3
    dry = await env.call("admin", "GET", f"/commands/{previewed['preview_command_id']}")
    assert dry.json()["dry_run"] is True and dry.json()["state"] == "succeeded"

    # The two-person rule: the requester cannot approve their own request.
    self_approval = await env.call("otto", "POST", f"/remediations/{rid}/approve")
    assert self_approval.status_code == 403
    assert "two-person rule" in self_approval.json()["message"]

    # A second operator approves: the command runs, once.
    ok = await env.call("olga", "POST", f"/remediations/{rid}/approve")
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "running"
    assert [a["by"] for a in ok.json()["approvals"]] == ["olga"]
    twice = await env.call("admin", "POST", f"/remediations/{rid}/approve")
    assert twice.status_code == 409 and "exactly one command" in twice.json()["message"]

    done = await _state(env, rid, "succeeded")
    runs = await env.call(
        "admin", "GET", "/commands", params={"cluster": "edge", "type": "rollback"}
    )
    real = [c for c in runs.json()["items"] if not c["dry_run"]]
    assert len(real) == 1  # single use: one approval, one command
    assert real[0]["idempotency_key"] == rid and real[0]["id"] == done["run_command_id"]
    assert real[0]["state"] == "succeeded"

    # Revision 1's pods crash too (the fault is in the template's labels; kubesim kept them, as
    # a Deployment keeps an old ReplicaSet whose successor never became ready): once a crash
    # is seen after the fix, the watch is moved past its end.
    succeeded_ms = done["succeeded_ms"]

    def crashing_again() -> bool:
        return any(
            f.reason == "CrashLoopBackOff" and f.last_seen_ms > succeeded_ms
            and f.owner is not None and f.owner.name == "checkout"
            for f in env.cluster.active_findings()
        )  # fmt: skip

    async def probe() -> bool:
        return crashing_again()

    await until(probe, what="a crash after the rollback", timeout=90)
    env.advance(301)  # the default rule watches 300 s
    verified = await _state(env, rid, "no_effect", "resolved", "worse")
    assert verified["state"] == "no_effect" and verified["outcome"] == "no_effect"
    assert "CrashLoopBackOff still active" in verified["message"]
    states = [h["state"] for h in verified["history"]]
    assert states == [
        "suggested", "pending_approval", "approved", "running", "running", "succeeded",
        "no_effect",
    ]  # fmt: skip

    # Audited: every step, by whom.
    audit = await env.call("admin", "GET", "/audit", params={"limit": 200})
    entries = [
        (e["action"], e["actor"], e["outcome"])
        for e in audit.json()["items"]
        if e["action"].startswith("remediation.")
    ]
    assert ("remediation.approve", "otto", "refused") in entries
    assert ("remediation.approved", "olga", "ok") in entries
    assert ("remediation.no_effect", "lookout", "ok") in entries


async def test_a_fix_followed_by_a_new_critical_finding_is_worse_and_offers_its_inverse(
    env: Env,
) -> None:
    r = await env.call(
        "admin", "POST", "/clusters/edge/commands", prefer="wait=30",
        json={"type": "set_image", "target": {"kind": "Deployment", "namespace": NS,
              "name": "cache"},
              "params": {"container": "main", "image": "registry.local/redis:7.4.1"}},
    )  # fmt: skip
    assert r.json()["state"] == "succeeded", r.text

    def two_revisions() -> bool:
        return len(mirror.revisions(env.cluster, ObjectRef("Deployment", NS, "cache"))) == 2

    await until(lambda: _true(two_revisions()), what="revision 2 of cache in the mirror")
    await env.service.consider("edge", stuck_rollout("cache", at_ms=env.service.clock_ms()))
    rem = await _suggested(env, "cache", "ProgressDeadlineExceeded")
    assert rem["suggestion"]["action"]["params"] == {"revision": 1}
    assert (await env.call("otto", "POST", f"/remediations/{rem['id']}/preview")).status_code == 200
    assert (await env.call("olga", "POST", f"/remediations/{rem['id']}/approve")).status_code == 200
    done = await _state(env, rem["id"], "succeeded")

    # A new critical finding on the workload after the fix: worse, at once (no watch to wait).
    worse = Finding(
        fingerprint="test-unavailable", reason="DeploymentUnavailable",
        severity=Severity.CRITICAL, category="availability",
        subject=ObjectRef("Deployment", NS, "cache"), message="no replica available",
        first_seen_ms=done["succeeded_ms"] + 1, last_seen_ms=done["succeeded_ms"] + 1,
    )  # fmt: skip
    env.cluster.hold_master_finding(worse.fingerprint, worse)
    judged = await _state(env, rem["id"], "worse")
    assert "DeploymentUnavailable" in judged["message"]

    # The inverse is offered as a new suggestion: the rollback of the rollback.
    async def inverse() -> dict[str, Any] | None:
        items = await env.remediations(state="suggested")
        return _for(items, "cache", "undo:ProgressDeadlineExceeded")

    undo = await until(inverse, what="the inverse suggestion")
    assert undo["id"] != rem["id"]
    assert undo["suggestion"]["action"] == {**rem["suggestion"]["inverse"]}
    assert undo["suggestion"]["action"]["params"] == {"revision": 2}
    assert rem["id"] in undo["suggestion"]["why"]


async def test_an_approval_request_expires_and_is_then_refused(env: Env) -> None:
    await env.service.consider("edge", stuck_rollout("cache", at_ms=env.service.clock_ms()))
    rem = await _suggested(env, "cache", "ProgressDeadlineExceeded")
    assert rem["suggestion"]["action"]["type"] == "rollout_restart"  # one revision only
    p = await env.call("otto", "POST", f"/remediations/{rem['id']}/preview")
    assert p.json()["state"] == "pending_approval", p.text
    lifetime_ms = p.json()["expires_ms"] - p.json()["updated_ms"]
    assert 3599_000 < lifetime_ms <= 3600_000  # the default rule: an hour

    env.advance(3601)
    late = await env.call("olga", "POST", f"/remediations/{rem['id']}/approve")
    assert late.status_code == 409 and "expired" in late.json()["message"]
    expired = await env.get(rem["id"])
    assert expired["state"] == "expired"
    restarts = await env.call(
        "admin", "GET", "/commands", params={"cluster": "edge", "type": "rollout_restart"}
    )
    assert [c["dry_run"] for c in restarts.json()["items"]] == [True]  # the preview only


async def test_a_policy_that_names_an_unknown_reason_or_a_third_approver_is_refused(
    env: Env,
) -> None:
    for bad in (
        {"rules": [{"cluster": "edge", "auto_approve": True, "auto_reasons": ["Typo"]}]},
        {"rules": [{"approvers": 3}]},
        {"rules": [{"namespace": NS}]},
    ):
        r = await env.call("admin", "PUT", "/remediation-policy", json=bad)
        assert r.status_code == 422, r.text
    audit = await env.call("admin", "GET", "/audit", params={"action": "remediation.policy"})
    refused = [e for e in audit.json()["items"] if e["outcome"] == "refused"]
    assert len(refused) == 1 and "Typo" in refused[0]["detail"]["refused"]
    r = await env.call("otto", "PUT", "/remediation-policy", json={"rules": []})
    assert r.status_code == 403
    assert (await env.call("admin", "GET", "/remediation-policy")).json() == {"rules": []}


async def test_auto_approve_stops_at_its_rate_limit_and_then_at_its_circuit_breaker(
    env: Env,
) -> None:
    rule = {"cluster": "edge", "auto_approve": True, "watch_s": 10,
            "auto_reasons": ["ProgressDeadlineExceeded"]}  # fmt: skip
    await env.set_policy([{**rule, "rate_per_hour": 1, "breaker_failures": 5}])
    now = env.service.clock_ms()

    # The first runs by itself (previewed, approved by lookout-auto, run)...
    first = stuck_rollout("cache", at_ms=now)
    env.cluster.hold_master_finding(first.fingerprint, first)  # ...and its finding persists
    await env.service.consider("edge", first)
    one = await _suggested(env, "cache", "ProgressDeadlineExceeded")
    one = await _state(env, one["id"], "succeeded")
    assert one["auto"] is True and [a["by"] for a in one["approvals"]] == ["lookout-auto"]

    # ...the second hits the rate limit and waits for a person, saying why.
    await env.service.consider("edge", stuck_rollout("checkout", at_ms=now))
    two = await _suggested(env, "checkout", "ProgressDeadlineExceeded")
    two = await until(lambda: _message(env, two["id"]), what="automation's refusal of the second")
    assert two["state"] == "pending_approval" and "rate limit" in two["message"]
    assert two["auto"] is False and two["approvals"] == []

    # The first one's finding persisted: no effect, which opens the breaker (at 1 failure).
    env.advance(11)
    verified = await _state(env, one["id"], "no_effect")
    assert verified["outcome"] == "no_effect"
    await env.set_policy([{**rule, "rate_per_hour": 10, "breaker_failures": 1}])
    await env.service.consider("edge", stuck_rollout("web", at_ms=now))
    three = await _suggested(env, "web", "ProgressDeadlineExceeded")
    three = await until(lambda: _message(env, three["id"]), what="the breaker's refusal")
    assert three["state"] == "pending_approval" and "circuit breaker open" in three["message"]
    restarts = await env.call(
        "admin", "GET", "/commands", params={"cluster": "edge", "type": "rollout_restart"}
    )
    real = [c for c in restarts.json()["items"] if not c["dry_run"]]
    assert [c["target"] for c in real] == [f"Deployment/{NS}/cache"]  # one automatic run only


async def _message(env: Env, rid: str) -> dict[str, Any] | None:
    r = await env.get(rid)
    return (
        r
        if r["state"] == "pending_approval" and r["message"] and "waiting" not in r["message"]
        else None
    )


async def test_an_oom_killed_container_gets_a_raised_memory_limit_after_approval(env: Env) -> None:
    # Give cache a memory limit through the new command, then report it OOM-killed.
    r = await env.call(
        "admin", "POST", "/clusters/edge/commands",
        json={"type": "set_resources", "target": {"kind": "Deployment", "namespace": NS,
              "name": "cache"},
              "params": {"container": "main", "limits": {"memory": "64Mi"}, "requests": None}},
        prefer="wait=30",
    )  # fmt: skip
    assert r.json()["state"] == "succeeded", r.text

    def limited() -> bool:
        res = env.cluster.get("Deployment", NS, "cache")
        return res is not None and b"64Mi" in res.body_json

    await until(lambda: _true(limited()), what="the limit in the mirror")
    pod = ObjectRef("Pod", NS, "cache-x-1")
    oom = Finding(
        fingerprint="test-oom", reason="OOMKilled", severity=Severity.WARNING,
        category="resources", subject=pod, message="container main was OOMKilled",
        first_seen_ms=env.service.clock_ms(), last_seen_ms=env.service.clock_ms(),
        owner=ObjectRef("Deployment", NS, "cache"), attrs={"container": "main"},
    )  # fmt: skip
    await env.service.consider("edge", oom)
    rem = await _suggested(env, "cache", "OOMKilled")
    assert rem["suggestion"]["action"]["params"]["limits"] == {"memory": "128Mi"}
    p = await env.call("otto", "POST", f"/remediations/{rem['id']}/preview")
    assert p.json()["preview"]["diff"]["after"]["limits"]["memory"] == "128Mi", p.text
    ok = await env.call("olga", "POST", f"/remediations/{rem['id']}/approve")
    assert ok.status_code == 200, ok.text
    await _state(env, rem["id"], "succeeded")

    def raised() -> bool:
        res = env.cluster.get("Deployment", NS, "cache")
        return res is not None and b"128Mi" in res.body_json

    await until(lambda: _true(raised()), what="the raised limit in the mirror")


async def _true(value: bool) -> bool:
    return value


async def test_a_suggestion_whose_condition_cleared_expires_and_one_still_active_stays(
    env: Env,
) -> None:
    at = env.service.clock_ms()
    stuck = {n: stuck_rollout(n, at_ms=at) for n in ("cache", "web")}
    for f in stuck.values():
        env.cluster.hold_master_finding(f.fingerprint, f)  # active, as the agent reported it
        await env.service.consider("edge", f)
    cache = await _suggested(env, "cache", "ProgressDeadlineExceeded")
    web = await _suggested(env, "web", "ProgressDeadlineExceeded")
    env.cluster.hold_master_finding(stuck["cache"].fingerprint, None)  # cache's rollout finished
    env.advance(61)  # past the grace a cleared condition is given
    cleared = await _state(env, cache["id"], "expired")
    assert "the condition cleared before the fix ran" in cleared["message"]
    # web's finding is still active: its suggestion stays open (it would be expired by now)
    assert (await env.get(web["id"]))["state"] == "suggested"
