"""The SLO API on a running master with real logins and roles: definitions put by an admin
(a bad one refused with 422 naming line and field, both audited), traffic stored as the
journal stores it, one evaluation pass, then what each role sees -- the list worst first, a
namespace viewer only their SLO, details with series and alerts, reports as JSON, CSV and HTML
for a month and a quarter, the OpenSLO round trip, and ``lookout slo``."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
from datetime import UTC, datetime

import orjson
import pytest
import yaml
from sqlalchemy import insert

from lookout_cli.apiclient import CliSettings
from lookout_cli.slo import run as slo_cli
from master.gateway.headers import HTML_CSP
from master.store.repositories.conversions import ingress_row
from master.store.schema.tables import ingress_samples
from shared.clock import now_ms
from shared.domain.ingress import IngressSample
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta
from tests.integration.people import conftest as people_conftest
from tests.integration.people.conftest import People

people = people_conftest.people

DEFINITIONS = """\
slos:
  - name: shop-web
    cluster: edge
    namespace: shop
    service: web
    objective: 99.9
    owner: {team: storefront}
  - name: ops-api
    cluster: edge
    namespace: ops
    service: api
    objective: 99
    window: month
    owner: {team: platform}
"""


def _sample(end_ms: int, namespace: str, service: str, requests: int, errors: int) -> IngressSample:
    return IngressSample(
        controller="haproxy",
        namespace=namespace,
        ingress=service,
        host="",
        service=service,
        window_start_ms=end_ms - 15_000,
        window_end_ms=end_ms,
        requests=requests,
        errors=errors,
    )


async def _seed(people: People) -> int:
    """Ten minutes of traffic ending now: shop/web at 5 % errors (burning), ops/api clean."""
    master = people.master.master
    now = now_ms()
    samples = []
    for i in range(40):
        end = now - i * 15_000 - 1
        samples += [_sample(end, "shop", "web", 100, 5), _sample(end, "ops", "api", 50, 0)]
    rows = [ingress_row("edge", s, received_ms=now) for s in samples]
    async with master.store.engine.begin() as conn:
        await conn.execute(insert(ingress_samples), rows)
    assert master.slos is not None
    await master.slos.evaluate()
    return now


async def _put(people: People, role: str, text: str) -> tuple[int, dict[str, object]]:
    r = await people.http.put("/api/v1/slo-config", json={"yaml": text}, headers=people.auth(role))
    return r.status_code, r.json()


async def test_definitions_are_put_by_admins_only_and_a_bad_file_is_refused(
    people: People,
) -> None:
    status, body = await _put(people, "operator", DEFINITIONS)
    assert status == 403
    bad = DEFINITIONS.replace("objective: 99\n", "objective: 0.99\n")
    status, body = await _put(people, "admin", bad)
    assert status == 422
    assert body["problems"] == [
        {
            "file": "slos.yaml",
            "line": "12",
            "field": "slos[1].objective",
            "message": "0.99 is not a percentage in (1, 100): write 99.9, not 0.999",
        }
    ]
    got = await people.http.get("/api/v1/slo-config", headers=people.auth("admin"))
    assert got.json()["slos"] == []  # the refused file changed nothing
    status, body = await _put(people, "admin", DEFINITIONS)
    assert status == 200 and [s["name"] for s in body["slos"]] == ["shop-web", "ops-api"]
    audit = await people.http.get("/api/v1/audit", headers=people.auth("admin"))
    outcomes = [(e["action"], e["outcome"]) for e in audit.json()["items"]]
    assert ("slo_config.replace", "refused") in outcomes
    assert ("slo_config.replace", "ok") in outcomes


async def test_each_role_sees_the_slos_of_what_it_may_read(people: People) -> None:
    assert (await _put(people, "admin", DEFINITIONS))[0] == 200
    await _seed(people)

    r = await people.http.get("/api/v1/slos", headers=people.auth("viewer"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["name"] for i in items] == ["shop-web", "ops-api"]  # the burning one first
    web = items[0]
    assert (web["good"], web["total"]) == (3_800, 4_000)
    assert web["budget"]["remaining"] < 0 and web["sli_value"] == 0.95
    assert {(f["urgency"], f["window"]) for f in web["firing"]} >= {("page", "1h/5m")}
    assert len(web["sparkline"]) == 24 and web["sparkline"][-1] is not None
    assert items[1]["budget"]["remaining"] == 1.0

    # A viewer of edge/shop only sees shop's SLO; the other answers 404 as if it did not exist.
    r = await people.http.get("/api/v1/slos", headers=people.auth("scoped"))
    assert [i["name"] for i in r.json()["items"]] == ["shop-web"]
    r = await people.http.get("/api/v1/slos/ops-api", headers=people.auth("scoped"))
    assert r.status_code == 404
    r = await people.http.get("/api/v1/slos", headers=people.auth("nobody"))
    assert r.status_code == 401


async def test_a_detail_carries_its_series_and_the_alerts_it_raised(people: People) -> None:
    assert (await _put(people, "admin", DEFINITIONS))[0] == 200
    now = await _seed(people)
    detail: dict[str, object] = {}
    for _ in range(100):  # the alert service takes the signal on its own task
        r = await people.http.get("/api/v1/slos/shop-web", headers=people.auth("viewer"))
        detail = r.json()
        if detail["alerts"]:
            break
        await asyncio.sleep(0.05)
    alerts = detail["alerts"]
    assert isinstance(alerts, list)
    assert {(a["urgency"], a["window"], a["state"]) for a in alerts} >= {
        ("page", "1h/5m", "firing")
    }
    series = detail["series"]
    assert isinstance(series, list) and sum(p["total"] for p in series) == 4_000
    assert series[-1]["budget_remaining"] < 0
    r = await people.http.get(
        "/api/v1/slos/shop-web/series",
        params={"from": now - 20 * 60_000, "to": now + 60_000, "step": 300_000},
        headers=people.auth("viewer"),
    )
    points = r.json()["points"]
    assert sum(p["total"] for p in points) == 4_000
    assert {round(p["burn"], 6) for p in points if p["total"]} == {50.0}  # 5 % vs 0.1 %
    r = await people.http.get(
        "/api/v1/slos/shop-web/series",
        params={"step": 60_000, "from": 0},
        headers=people.auth("viewer"),
    )
    assert r.status_code == 400 and "at most" in r.json()["message"]

    listed = await people.http.get("/api/v1/alerts", headers=people.auth("viewer"))
    burn = [a for a in listed.json()["items"] if a["labels"]["alertname"] == "SloBurnRate"]
    assert {a["labels"]["slo"] for a in burn} == {"shop-web"}
    assert all(a["labels"]["namespace"] == "shop" for a in burn)


async def test_reports_as_json_csv_and_html_for_a_month_and_a_quarter(people: People) -> None:
    assert (await _put(people, "admin", DEFINITIONS))[0] == 200
    now = await _seed(people)
    today = datetime.fromtimestamp(now / 1000, UTC)
    month = f"{today.year}-{today.month:02d}"
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    for period in (month, quarter):
        r = await people.http.get(
            "/api/v1/slo/reports", params={"period": period}, headers=people.auth("viewer")
        )
        assert r.status_code == 200
        by_name = {x["slo"]: x for x in r.json()["reports"]}
        assert (by_name["shop-web"]["total"], by_name["shop-web"]["met"]) == (4_000, False)
        assert by_name["ops-api"]["met"] is True
        assert by_name["shop-web"]["budget_consumed"] == pytest.approx(50.0)
    r = await people.http.get(
        "/api/v1/slo/reports",
        params={"period": month, "format": "csv"},
        headers=people.auth("viewer"),
    )
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["slo"]: row["met"] for row in rows} == {"shop-web": "no", "ops-api": "yes"}
    r = await people.http.get(
        "/api/v1/slo/reports",
        params={"period": month, "format": "html"},
        headers=people.auth("scoped"),
    )
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in r.text.lower()
    # The inline stylesheet is allowed by its hash alone (and by the dashboard's policy too).
    style = r.text.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert f"'sha256-{digest}'" in HTML_CSP
    assert "shop-web" in r.text and "ops-api" not in r.text  # nina's scope
    r = await people.http.get(
        "/api/v1/slo/reports", params={"period": "2026-13"}, headers=people.auth("viewer")
    )
    assert r.status_code == 400 and "YYYY-MM" in r.json()["message"]


async def test_openslo_export_imports_back_to_the_same_definition(people: People) -> None:
    assert (await _put(people, "admin", DEFINITIONS))[0] == 200
    exported = await people.http.get("/api/v1/slos/ops-api/openslo", headers=people.auth("viewer"))
    assert yaml.safe_load(exported.text)["kind"] == "SLO"
    r = await people.http.post(
        "/api/v1/slo-config/openslo", json={"yaml": exported.text}, headers=people.auth("admin")
    )
    assert r.status_code == 200
    [entry] = r.json()["slos"]
    assert entry == {
        "name": "ops-api",
        "cluster": "edge",
        "namespace": "ops",
        "service": "api",
        "objective": 99.0,
        "window": "month",
        "owner": {"team": "platform"},
    }
    broken = exported.text.replace("lookout", "prometheus")
    r = await people.http.post(
        "/api/v1/slo-config/openslo", json={"yaml": broken}, headers=people.auth("admin")
    )
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"].startswith("documents[0].spec.indicator")


async def test_the_cli_prints_the_list_and_a_report(people: People) -> None:
    assert (await _put(people, "admin", DEFINITIONS))[0] == 200
    now = await _seed(people)
    today = datetime.fromtimestamp(now / 1000, UTC)
    settings = CliSettings(
        url=f"http://127.0.0.1:{people.master.master.http_port}", token=people.tokens["viewer"]
    )
    out, err = io.StringIO(), io.StringIO()
    assert await slo_cli(["list"], out=out, err=err, settings=settings) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:2] == ["SLO", "CLUSTER"]
    assert lines[1].startswith("shop-web") and "page 1h/5m" in lines[1]
    out = io.StringIO()
    period = f"{today.year}-{today.month:02d}"
    assert await slo_cli(["report", "--period", period], out=out, err=err, settings=settings) == 0
    text = out.getvalue()
    assert "shop-web" in text and "MISSED" in text and "95.000%" in text
    out, err = io.StringIO(), io.StringIO()
    assert await slo_cli(["report", "--period", "soon"], out=out, err=err, settings=settings) == 1
    assert "HTTP 400" in err.getvalue()


async def test_an_exhausted_budget_holds_a_new_image_until_an_admin_overrides(
    people: People,
) -> None:
    policy_on = DEFINITIONS.replace(
        "    owner: {team: storefront}\n",
        "    owner: {team: storefront}\n    budget_policy: true\n",
    )
    assert (await _put(people, "admin", policy_on))[0] == 200
    await _seed(people)  # shop-web at 5 % errors: its budget is spent
    hub = people.master.master.hub.cluster("edge")
    assert hub is not None
    service = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}
    deployment = {
        "metadata": {"name": "web"},
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}}},
    }
    for kind, body in (("Service", service), ("Deployment", deployment)):
        ref = ObjectRef(kind, "shop", "web", uid=f"uid-{kind}")
        hub.apply_delta(
            ResourceDelta(kind, upserts=(Resource(ref, "1", body_json=orjson.dumps(body)),))
        )
    command = {
        "type": "set_image",
        "target": {"kind": "Deployment", "namespace": "shop", "name": "web"},
        "params": {"container": "web", "image": "web:2"},
    }
    url = "/api/v1/clusters/edge/commands"
    r = await people.http.post(url, json=command, headers=people.auth("operator"))
    assert r.status_code == 403 and "shop-web" in r.json()["message"]
    r = await people.http.post(url, json=command, headers=people.auth("admin"))
    assert r.status_code == 409 and "override_reason" in r.json()["message"]
    # A dry run changes nothing, so the policy lets the preview through.
    r = await people.http.post(
        url, json=command | {"dry_run": True}, headers=people.auth("operator")
    )
    assert r.status_code == 202
    # Scaling up is not risky; it goes through for an operator.
    up = command | {"type": "scale", "params": {"replicas": 5}}
    r = await people.http.post(url, json=up, headers=people.auth("operator"))
    assert r.status_code == 202
    reason = "hotfix for the 5xx: the budget burns either way"
    r = await people.http.post(
        url, json=command | {"override_reason": reason}, headers=people.auth("admin")
    )
    assert r.status_code == 202
    audit = await people.http.get("/api/v1/audit", headers=people.auth("admin"))
    entries = [
        (e["action"], e["outcome"], e["detail"].get("reason")) for e in audit.json()["items"]
    ]
    assert ("slo_policy.hold", "refused", "") in entries
    assert ("slo_policy.override", "ok", reason) in entries
