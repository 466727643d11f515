"""Who sees and acts on which alert: a viewer of one namespace sees only that namespace's
alerts and silences nothing; a viewer sees all but acknowledges nothing; an operator does."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from tests.harness import eventually
from tests.integration.people import conftest as people_conftest
from tests.integration.people.conftest import People

people = people_conftest.people


def _finding(namespace: str) -> Finding:
    return Finding(
        fingerprint=f"fp-{namespace}",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", namespace, "web-0"),
        message="back-off",
        first_seen_ms=1,
        last_seen_ms=1,
    )


async def test_alerts_are_seen_and_acted_on_only_within_the_callers_scope(people: People) -> None:
    service = people.master.master.alerts
    assert service is not None
    batch = FindingBatch((_finding("shop"), _finding("web")))
    await service.observe_journal("edge", [JournalRecord(1, 1, batch)])
    await eventually(lambda: len(service.engine.alerts) == 2, what="two alerts")

    async def namespaces(role: str) -> list[str]:
        r = await people.http.get("/api/v1/alerts", headers=people.auth(role))
        assert r.status_code == 200, r.text
        return sorted(i["labels"]["namespace"] for i in r.json()["items"])

    assert await namespaces("viewer") == ["shop", "web"]
    assert await namespaces("scoped") == ["shop"]
    [web] = [fp for fp, a in service.engine.alerts.items() if a.labels["namespace"] == "web"]
    r = await people.http.post(f"/api/v1/alerts/{web}/ack", headers=people.auth("viewer"))
    assert r.status_code == 403
    r = await people.http.post(f"/api/v1/alerts/{web}/ack", headers=people.auth("operator"))
    assert r.status_code == 200 and r.json()["acked_by"] == "otto"
    r = await people.http.get(
        "/api/v1/silences/preview",
        params={"matcher": 'alertname="CrashLoopBackOff"'},
        headers=people.auth("scoped"),
    )
    assert [i["labels"]["namespace"] for i in r.json()["items"]] == ["shop"]


async def test_alert_history_lists_ended_alerts_within_the_callers_scope(people: People) -> None:
    service = people.master.master.alerts
    assert service is not None
    firing = FindingBatch((_finding("shop"), _finding("web")))
    await service.observe_journal("edge", [JournalRecord(1, 1, firing)])
    await eventually(lambda: len(service.engine.alerts) == 2, what="two alerts")
    ended = FindingBatch(tuple(replace(f, resolved=True, last_seen_ms=2) for f in firing.findings))
    await service.observe_journal("edge", [JournalRecord(2, 2, ended)])

    async def history(role: str, **params: str) -> dict[str, Any]:
        r = await people.http.get(
            "/api/v1/alerts/history", params=params, headers=people.auth(role)
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async with asyncio.timeout(30):  # the step that resolved them commits their history
        while len((await history("viewer"))["items"]) < 2:  # noqa: ASYNC110 -- polls the API
            await asyncio.sleep(0.05)
    assert [i["labels"]["namespace"] for i in (await history("scoped"))["items"]] == ["shop"]
    [web] = (await history("viewer", namespace="web"))["items"]
    assert web["starts_at_ms"] <= web["ends_at_ms"]
    assert web["annotations"]["message"] == "back-off"
    first = await history("viewer", limit="1")
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = await history("viewer", limit="1", cursor=first["next_cursor"])
    assert {first["items"][0]["fingerprint"], rest["items"][0]["fingerprint"]} == {
        a["fingerprint"] for a in (await history("viewer"))["items"]
    }
    assert (await history("viewer", severity="warning"))["items"] == []
    r = await people.http.get(
        "/api/v1/alerts/history", params={"cursor": "x"}, headers=people.auth("viewer")
    )
    assert r.status_code == 400
