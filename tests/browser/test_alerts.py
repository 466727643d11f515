"""The alerting pages on a ``lookout demo``-style fleet, in real Chromium with the outside
blocked: a crash-looping Deployment becomes a firing critical alert that the alerts page and
the header badge show; an operator silences it from the page (matchers prefilled from its
labels, the server's preview showing it before saving) and sees it silenced; a viewer sees no
silence or acknowledge button; axe-core finds nothing at all on the alerts and silences pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import fleet_site
from tests.browser.demo import DEMO_NS, FAULT_LABEL, Fleet, log_in, until
from tests.browser.test_tour import axe_source, axe_violations

pytestmark = pytest.mark.browser

LIVE = 15_000  # ms: alerts poll every 10 s, so a change shows within one poll and a margin
CLUSTER = "demo-1"
OPERATOR = ("olga", "operator on call tonight")
VIEWER = ("vera", "viewer looks but never touches")

site = pytest.fixture(name="site")(fleet_site)  # page and watch guard the fleet's master
__all__ = ["axe_source"]  # the fixture, shared with the tour


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


async def add_user(fleet: Fleet, user: tuple[str, str], role: str) -> None:
    async with fleet.api() as http:
        r = await http.post(
            "/api/v1/users", json={"username": user[0], "password": user[1], "role": role}
        )
        assert r.status_code == 201, r.text


async def a_firing_crash_loop(fleet: Fleet) -> dict[str, Any]:
    """A new crash-looping Deployment in demo-1, and (once the master fires it) its pod's
    critical alert as the API lists it."""
    body = {
        "metadata": {"name": "payments", "namespace": DEMO_NS, "labels": {"app": "payments"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "payments"}},
            "template": {
                "metadata": {"labels": {"app": "payments", FAULT_LABEL: "crashloop"}},
                "spec": {"containers": [{"name": "main", "image": "registry.local/pay:1.0"}]},
            },
        },
    }
    async with fleet.kube(CLUSTER) as kube:
        r = await kube.post(f"/apis/apps/v1/namespaces/{DEMO_NS}/deployments", json=body)
        assert r.status_code == 201, r.text
    found: list[dict[str, Any]] = []
    async with fleet.api() as http:

        async def firing() -> bool:
            r = await http.get(
                "/api/v1/alerts", params={"cluster": CLUSTER, "severity": "critical"}
            )
            found[:] = [
                a
                for a in r.json()["items"]
                if a["labels"].get("name", "").startswith("payments-")
                and a["labels"].get("kind") == "Pod"
                and a["status"] == "firing"
            ]
            return bool(found)

        await until(firing, what="a firing critical alert for the payments pod", timeout=60)
    return found[0]


def alert_row(page: Page, alert: dict[str, Any]) -> Locator:
    subject = f"Pod {DEMO_NS}/{alert['labels']['name']}"
    name = alert["labels"]["alertname"]
    return (
        page.get_by_role("row")
        .filter(has=page.get_by_role("link", name=subject, exact=True))
        .filter(has=page.get_by_role("link", name=name, exact=True))
    )


async def test_an_operator_sees_the_firing_alert_and_the_badge_then_silences_it(
    page: Page, fleet: Fleet
) -> None:
    await add_user(fleet, OPERATOR, "operator")
    alert = await a_firing_crash_loop(fleet)
    await log_in(page, *OPERATOR)

    badge = page.get_by_role("banner").get_by_role(
        "link", name=re.compile(r"^\d+ critical alerts? firing$")
    )
    await expect(badge).to_be_visible(timeout=LIVE)
    await badge.click()
    await expect(page).to_have_url(re.compile(r"/alerts\?severity=critical&state=firing$"))
    await expect(page.get_by_role("combobox", name=re.compile("^Severity"))).to_have_value(
        "critical"
    )
    row = alert_row(page, alert)
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("firing", exact=True)).to_be_visible()
    await expect(row.get_by_text("Critical", exact=True)).to_be_visible()
    await expect(row.get_by_text(f"{CLUSTER} / {DEMO_NS}", exact=True)).to_be_visible()

    await row.get_by_role("link", name=f"Silence {alert['labels']['alertname']}").click()
    form = page.get_by_role("form", name="New silence")
    await expect(form.get_by_role("textbox", name="Matcher 1", exact=True)).to_have_value(
        f'cluster="{CLUSTER}"'
    )
    await expect(form.get_by_role("textbox", name="Matcher 2", exact=True)).to_have_value(
        f'namespace="{DEMO_NS}"'
    )
    preview = form.get_by_role("region", name="Alerts it would silence now")
    await expect(preview.get_by_text("1 active alert matches", exact=True)).to_be_visible(
        timeout=LIVE
    )
    await expect(alert_row(page, alert)).to_have_count(1)  # the very alert, before saving
    await form.get_by_label("Comment").fill("payments is being rolled back")
    await form.get_by_role("button", name="Create silence").click()

    await expect(page.get_by_role("heading", name="Silences", exact=True)).to_be_visible()
    silences = page.get_by_role("table", name="Silences")
    mine = silences.get_by_role("row").filter(has_text="payments is being rolled back")
    await expect(mine).to_have_count(1)
    await expect(mine.get_by_text("olga", exact=True)).to_be_visible()
    await expect(mine.get_by_text("active", exact=True)).to_be_visible()

    await page.goto(f"/alerts?cluster={CLUSTER}&state=silenced")
    row = alert_row(page, alert)
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("silenced", exact=True)).to_be_visible()
    await page.goto(f"/alerts?cluster={CLUSTER}&state=firing")
    await expect(page.get_by_role("heading", name="Active alerts")).to_be_visible()
    await expect(alert_row(page, alert)).to_have_count(0)
    async with fleet.api() as http:
        r = await http.get("/api/v1/alerts", params={"cluster": CLUSTER, "state": "suppressed"})
        assert alert["fingerprint"] in [a["fingerprint"] for a in r.json()["items"]]


async def test_a_viewer_sees_the_alert_but_no_silence_or_acknowledge_button(
    page: Page, fleet: Fleet
) -> None:
    await add_user(fleet, VIEWER, "viewer")
    alert = await a_firing_crash_loop(fleet)
    await log_in(page, *VIEWER)
    await page.goto(f"/alerts?cluster={CLUSTER}")
    row = alert_row(page, alert)
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("firing", exact=True)).to_be_visible()
    main = page.get_by_role("main")
    await expect(main.get_by_role("link", name=re.compile("^Silence "))).to_have_count(0)
    await expect(main.get_by_role("button", name=re.compile("^(Un)?[Aa]cknowledge"))).to_have_count(
        0
    )
    await page.goto(f"/alerts/{alert['fingerprint']}")
    await expect(page.get_by_role("heading", name=alert["labels"]["alertname"])).to_be_visible()
    await expect(page.get_by_role("table", name="Labels")).to_contain_text(alert["labels"]["name"])
    await expect(main.get_by_role("link", name=re.compile("^Silence "))).to_have_count(0)
    await page.goto("/alerts/silences")
    await expect(page.get_by_role("heading", name="Silences", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="New silence")).to_have_count(0)


async def test_the_alerts_and_silences_pages_have_no_axe_violations(
    page: Page, fleet: Fleet, axe_source: str
) -> None:
    alert = await a_firing_crash_loop(fleet)
    async with fleet.api() as http:  # one silence, so the silences table is not empty
        r = await http.post(
            "/api/v1/silences",
            json={"matchers": ['alertname="Nothing"'], "duration_s": 3600, "comment": "axe"},
        )
        assert r.status_code == 201, r.text
    await log_in(page)

    async def alerts_loaded() -> None:
        await expect(alert_row(page, alert)).to_have_count(1, timeout=LIVE)

    async def silences_loaded() -> None:
        await expect(page.get_by_role("table", name="Silences")).to_be_visible(timeout=LIVE)

    async def editor_loaded() -> None:
        await expect(page.get_by_text("1 active alert matches", exact=True)).to_be_visible(
            timeout=LIVE
        )

    pages = [
        (f"/alerts?cluster={CLUSTER}", alerts_loaded),
        ("/alerts/silences", silences_loaded),
        (f"/alerts/silences/new?alert={alert['fingerprint']}", editor_loaded),
    ]
    report: dict[str, list[dict[str, Any]]] = {}
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        for path, loaded in pages:
            await page.goto(path)
            await loaded()
            report[f"{scheme} {path}"] = await axe_violations(page, axe_source)
    assert not any(report.values()), f"axe violations: {report}"


async def test_an_operator_acknowledges_the_alert_and_unacknowledges_it(
    page: Page, fleet: Fleet
) -> None:
    await add_user(fleet, OPERATOR, "operator")
    alert = await a_firing_crash_loop(fleet)
    name = alert["labels"]["alertname"]
    await log_in(page, *OPERATOR)
    await page.goto(f"/alerts?cluster={CLUSTER}")
    row = alert_row(page, alert)
    await expect(row).to_have_count(1, timeout=LIVE)
    await row.get_by_role("button", name=f"Acknowledge {name}", exact=True).click()
    await expect(row.get_by_text("acknowledged", exact=True)).to_be_visible(timeout=LIVE)
    await expect(row.get_by_role("button", name=f"Acknowledge {name}", exact=True)).to_have_count(0)
    await row.get_by_role("link", name=name, exact=True).click()
    await expect(page.get_by_text("Acknowledged by olga", exact=True)).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    await expect(timeline.get_by_text("acknowledged", exact=True)).to_be_visible()
    await page.get_by_role("button", name=f"Unacknowledge {name}").click()
    header = page.get_by_role("article")
    await expect(header.get_by_text("firing", exact=True).first).to_be_visible(timeout=LIVE)
    await expect(page.get_by_text("Acknowledged by olga", exact=True)).to_have_count(0)
    async with fleet.api() as http:
        r = await http.get("/api/v1/alerts", params={"cluster": CLUSTER})
        mine = [a for a in r.json()["items"] if a["fingerprint"] == alert["fingerprint"]]
        assert mine and mine[0]["acked_by"] is None
