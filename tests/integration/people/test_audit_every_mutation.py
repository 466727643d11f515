"""Every mutating route leaves an audit entry that carries the request's trace id: each route
is called once, successfully, with a W3C ``traceparent`` of its own, and the audit log must hold
that trace id afterwards. The walk is checked against the app's own route table, so a mutating
route added later without a step here fails the test (and, once it has one, without an audit
write it fails too). A request without ``traceparent`` gets a fresh trace id, named in the
answer's ``X-Trace-Id`` and found in its audit entry."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx

from master.remediation.states import State
from master.remediation.suggestions import Action, Suggestion
from master.store.repositories.notifications import OutboxInsert
from master.store.repositories.remediations import RemediationRow
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from tests.harness import eventually
from tests.integration.people.conftest import ADMIN_PASSWORD, PASSWORDS, People
from tests.integration.people.test_route_permissions import ROUTES


def _traceparent() -> tuple[str, str]:
    trace = secrets.token_hex(16)
    return trace, f"00-{trace}-{secrets.token_hex(8)}-01"


async def _audit_traces(people: People) -> set[str]:
    traces: set[str] = set()
    query: dict[str, Any] = {"limit": 1000}
    while True:
        r = await people.http.get("/api/v1/audit", params=query, headers=people.auth("admin"))
        assert r.status_code == 200, r.text
        body = r.json()
        traces |= {i["detail"].get("trace_id", "") for i in body["items"]}
        if body["next_before_id"] is None:
            return traces
        query["before_id"] = body["next_before_id"]


class Walk:
    """Calls routes with their own trace ids and remembers which (method, template) it did."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.done: dict[tuple[str, str], str] = {}  # (method, template) -> trace id

    async def call(
        self,
        method: str,
        template: str,
        path: str,
        *,
        role: str = "admin",
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        trace, parent = _traceparent()
        sent = {
            **(headers if headers is not None else self.people.auth(role)),
            "traceparent": parent,
        }
        r = await self.people.http.request(method, "/api/v1" + path, headers=sent, json=json)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        assert r.headers["x-trace-id"] == trace
        self.done[(method, "/api/v1" + template)] = trace
        return r


async def _alert_steps(walk: Walk, people: People) -> None:
    """Alerts, silences, the alerting config, receivers and notifications. The alert comes in
    through the processor's port like an agent's finding does."""
    service = people.master.master.alerts
    assert service is not None
    finding = Finding(
        fingerprint="fp-audit",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", "default", "web-0"),
        message="back-off restarting failed container",
        first_seen_ms=1,
        last_seen_ms=1,
    )
    await service.observe_journal("edge", [JournalRecord(1, 1, FindingBatch((finding,)))])
    await eventually(lambda: bool(service.engine.alerts), what="the alert")
    [fp] = service.engine.alerts
    await walk.call("POST", "/alerts/{fingerprint}/ack", f"/alerts/{fp}/ack", role="operator")
    await walk.call("DELETE", "/alerts/{fingerprint}/ack", f"/alerts/{fp}/ack", role="operator")
    silence = (
        await walk.call(
            "POST",
            "/silences",
            "/silences",
            role="operator",
            json={"matchers": ['cluster="edge"'], "duration_s": 600, "comment": "upgrade"},
        )
    ).json()
    await walk.call(
        "POST",
        "/silences/{silence_id}/expire",
        f"/silences/{silence['id']}/expire",
        role="operator",
    )
    await walk.call("POST", "/receivers/{receiver}/test", "/receivers/default/test")
    config = "route: {receiver: hook}\nreceivers:\n  - name: hook\n"
    await walk.call(
        "POST", "/alert-config/validate", "/alert-config/validate", json={"yaml": config}
    )
    await walk.call("PUT", "/alert-config", "/alert-config", json={"yaml": config})
    slos = "slos:\n  - {name: web, cluster: edge, service: web, objective: 99.9}\n"
    await walk.call("POST", "/slo-config/validate", "/slo-config/validate", json={"yaml": slos})
    await walk.call("PUT", "/slo-config", "/slo-config", json={"yaml": slos})
    exported = await people.http.get("/api/v1/slos/web/openslo", headers=people.auth("admin"))
    await walk.call(
        "POST", "/slo-config/openslo", "/slo-config/openslo", json={"yaml": exported.text}
    )
    # A notification for a receiver no longer configured is dead at its first claim.
    [row_id] = await people.master.master.store.notifications.enqueue(
        [OutboxInsert("gone", "g", "audit-dead", {})], now_ms=1
    )
    service.deliveries.set()
    store = people.master.master.store

    async def dead() -> bool:
        row = await store.notifications.get(row_id)
        return row is not None and row.state == "dead"

    async with asyncio.timeout(30):
        while not await dead():  # noqa: ASYNC110 -- polls rows the master owns
            await asyncio.sleep(0.05)
    await walk.call(
        "POST", "/notifications/{notification_id}/retry", f"/notifications/{row_id}/retry"
    )


async def _remediation_steps(walk: Walk, people: People) -> None:
    """No agent is connected here, so a preview's dry run cannot finish: its own step shows
    the preview answered and audited as it stands; the approval is of a request another
    operator's preview left waiting (moved there as a successful preview would)."""
    service = people.master.master.remediations
    assert service is not None
    await walk.call("PUT", "/remediation-policy", "/remediation-policy", json={"rules": []})

    async def suggested(name: str) -> RemediationRow:
        node = ObjectRef("Node", "", name)
        s = Suggestion(
            id=f"audit-{name}", reason="NodeNotReady", why=f"node {name} is NotReady",
            evidence={}, action=Action("cordon", node), inverse=Action("uncordon", node),
        )  # fmt: skip
        row = await service._insert("edge", f"fp-{name}", s, note="for the audit walk")
        assert row is not None
        return row

    rejected, previewed, approved = [await suggested(n) for n in ("n1", "n2", "n3")]
    path = "/remediations/{remediation_id}"
    await walk.call(
        "POST", path + "/reject", f"/remediations/{rejected.id}/reject", role="operator",
        json={"reason": "not now"},
    )  # fmt: skip
    await walk.call("POST", path + "/preview", f"/remediations/{previewed.id}/preview")
    await service._move(
        approved, expect={State.SUGGESTED}, to=State.PENDING_APPROVAL, actor="otto",
        why="dry run succeeded; waiting for approval", requested_by="otto",
        approvals_json="[]", expires_ms=service.clock_ms() + 3_600_000,
    )  # fmt: skip
    await walk.call("POST", path + "/approve", f"/remediations/{approved.id}/approve")


async def test_every_mutation_is_audited_with_its_trace_id(people: People) -> None:
    walk = Walk(people)
    login = await walk.call(
        "POST",
        "/auth/login",
        "/auth/login",
        headers={},
        json={"username": "admin", "password": ADMIN_PASSWORD},
    )
    tokens = login.json()
    await walk.call(
        "POST",
        "/auth/refresh",
        "/auth/refresh",
        headers={},
        json={"refresh_token": tokens["refresh_token"]},
    )
    await walk.call(
        "POST",
        "/users",
        "/users",
        json={"username": "quinn", "password": "quinn-is-new-here-4", "role": "viewer"},
    )
    await walk.call("PATCH", "/users/{username}", "/users/quinn", json={"role": "operator"})
    await walk.call(
        "POST",
        "/auth/password",
        "/auth/password",
        role="viewer",
        json={"current": PASSWORDS["vera"], "new": "vera-looks-only-again-5"},
    )
    token = (
        await walk.call("POST", "/tokens", "/tokens", json={"name": "ci", "role": "viewer"})
    ).json()
    await walk.call("DELETE", "/tokens/{token_id}", f"/tokens/{token['id']}")
    binding = (
        await walk.call(
            "POST",
            "/rolebindings",
            "/rolebindings",
            json={
                "subject_kind": "user",
                "subject": "quinn",
                "role": "viewer",
                "cluster": "edge",
                "namespace": "web",
            },
        )
    ).json()
    await walk.call("DELETE", "/rolebindings/{binding_id}", f"/rolebindings/{binding['id']}")
    await walk.call("POST", "/clusters", "/clusters", json={"name": "far"})
    await walk.call("POST", "/clusters/{name}/token", "/clusters/far/token")
    await walk.call("DELETE", "/clusters/{name}/token", "/clusters/far/token")
    command = (
        await walk.call(
            "POST",
            "/clusters/{name}/commands",
            "/clusters/edge/commands",
            role="operator",
            json={
                "type": "scale",
                "target": {"kind": "Deployment", "namespace": "default", "name": "web"},
                "params": {"replicas": 2},
            },
        )
    ).json()
    await walk.call(
        "POST",
        "/commands/{command_id}/cancel",
        f"/commands/{command['id']}/cancel",
        role="operator",
    )
    await _alert_steps(walk, people)
    await _remediation_steps(walk, people)
    await walk.call(
        "POST",
        "/auth/logout",
        "/auth/logout",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )

    mutating = {(m, p) for m, p, _ in ROUTES if m != "GET"}
    assert mutating - walk.done.keys() == set(), "mutating routes without a step in this walk"
    audited = await _audit_traces(people)
    missing = sorted(f"{m} {p}" for (m, p), trace in walk.done.items() if trace not in audited)
    assert not missing, f"mutations without an audit entry carrying their trace id: {missing}"


async def test_each_entry_says_who_from_where_and_what_request_without_the_route_passing_it(
    people: People,
) -> None:
    r = await people.http.post(
        "/api/v1/clusters",
        json={"name": "lab"},
        headers={**people.auth("admin"), "user-agent": "ops-script/1.2"},
    )
    assert r.status_code == 201, r.text
    listed = await people.http.get(
        "/api/v1/audit", params={"action": "cluster.add"}, headers=people.auth("admin")
    )
    [entry] = [i for i in listed.json()["items"] if i["cluster"] == "lab"]
    assert entry["actor"] == "admin"
    assert (
        entry["detail"]
        | {
            "trace_id": r.headers["x-trace-id"],
            "source": "127.0.0.1",
            "user_agent": "ops-script/1.2",
            "request": "POST /api/v1/clusters",
            "principal": {"kind": "user", "role": "admin", "groups": []},
        }
        == entry["detail"]
    )


async def test_a_request_without_traceparent_gets_a_trace_id_its_audit_entry_carries(
    people: People,
) -> None:
    r = await people.http.post(
        "/api/v1/clusters", json={"name": "near"}, headers=people.auth("admin")
    )
    assert r.status_code == 201, r.text
    trace = r.headers["x-trace-id"]
    assert len(trace) == 32 and int(trace, 16) > 0
    assert trace in await _audit_traces(people)
    # Junk in traceparent starts a new trace rather than being copied into the log.
    r = await people.http.get(
        "/api/v1/clusters", headers={**people.auth("viewer"), "traceparent": "00-zz-<script>-01"}
    )
    assert r.status_code == 200 and "<" not in r.headers["x-trace-id"]
    assert len(r.headers["x-trace-id"]) == 32


async def test_a_refused_request_is_audited_with_its_trace_id(people: People) -> None:
    trace, parent = _traceparent()
    r = await people.http.get(
        "/api/v1/users", headers={**people.auth("viewer"), "traceparent": parent}
    )
    assert r.status_code == 403 and r.headers["x-trace-id"] == trace
    assert trace in await _audit_traces(people)
