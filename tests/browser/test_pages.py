"""The dashboard against a ``lookout demo``-style fleet (tests/browser/demo.py: kubesim with two
simulated clusters and their scripted incidents, the master, one agent process per cluster), in
real Chromium with the outside blocked: what the issue's "Prove it" asks of the pages — log in
and see the fleet, a crash loop streaming in without a reload, scale and cordon through the UI
with a dry run first and the change visible in the simulated cluster, a viewer with no buttons
whose forged POST is refused, an agent going away, and the three languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import fleet_site
from tests.browser.demo import CLUSTERS, DEMO_NS, FAULT_LABEL, Fleet, a_node, log_in, until

pytestmark = pytest.mark.browser

LIVE = 15_000  # ms: a streamed change must show up well within this, without a reload
VIEWER_PASSWORD = "viewer looks but never touches"


site = pytest.fixture(name="site")(fleet_site)  # page and watch guard the fleet's master


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


def card(page: Page, cluster: str) -> Locator:
    return page.get_by_role("article", name=cluster)


async def test_admin_logs_in_and_the_overview_shows_both_clusters_connected(page: Page) -> None:
    await log_in(page)
    for cluster in CLUSTERS:
        await expect(card(page, cluster)).to_be_visible()
        await expect(card(page, cluster).get_by_text("Connected", exact=True)).to_be_visible()
        await expect(card(page, cluster).get_by_text(re.compile(r"\d+/\d+ Ready"))).to_be_visible()


async def test_a_crash_loop_streams_into_the_pods_page_and_the_fleets_criticals(
    page: Page, fleet: Fleet
) -> None:
    """The pages are open before the pod exists; it appears, crash-looping, with no reload."""
    await log_in(page)
    fleet_tab = await page.context.new_page()
    await fleet_tab.goto("/")
    criticals = fleet_tab.get_by_role("region", name="Newest critical findings")
    await expect(fleet_tab.get_by_role("heading", name="Fleet overview")).to_be_visible()
    await page.goto("/clusters/demo-1/pods?q=payments")
    await expect(page.get_by_role("heading", name="Pods")).to_be_visible()
    await expect(page.get_by_text("No rows match the filters.")).to_be_visible()
    for tab in (page, fleet_tab):  # a reload would drop this mark
        await tab.evaluate("() => { window.__sameDocument = true; }")
    same_document = "() => window.__sameDocument === true"

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
    async with fleet.kube("demo-1") as kube:
        r = await kube.post(f"/apis/apps/v1/namespaces/{DEMO_NS}/deployments", json=body)
        assert r.status_code == 201, r.text

    table = page.get_by_role("table", name="Pods")
    row = table.get_by_role("row").filter(
        has=page.get_by_role("link", name=re.compile("^payments-"))
    )
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("CrashLoopBackOff")).to_be_visible(timeout=LIVE)
    await expect(
        criticals.get_by_role("link", name=re.compile(rf"^{DEMO_NS}\/payments-"))
    ).to_be_visible(timeout=LIVE)
    for tab in (page, fleet_tab):
        assert await tab.evaluate(same_document), f"{tab.url} was reloaded"
    await row.get_by_role("link", name=re.compile("^payments-")).click()
    await expect(page.get_by_role("heading", name=re.compile("^payments-"))).to_be_visible()
    await expect(page.get_by_text("CrashLoopBackOff").first).to_be_visible()
    # On the pod page itself the crash loop keeps streaming in: its restart count climbs.
    main = page.get_by_role("table").filter(has_text="registry.local/pay:1.0").get_by_role("row")
    restarts = main.filter(has_text="main").get_by_role("cell").nth(5)
    seen = int(await restarts.inner_text())
    await expect(restarts).not_to_have_text(str(seen), timeout=LIVE)
    assert int(await restarts.inner_text()) > seen
    assert await page.evaluate(same_document), "the pod page was reached by a reload"
    await fleet_tab.close()


async def test_scaling_a_deployment_dry_runs_then_changes_the_simulated_cluster(
    page: Page, fleet: Fleet
) -> None:
    await log_in(page)
    await page.goto(f"/clusters/demo-0/workloads/Deployment/{DEMO_NS}/frontend")
    await page.get_by_role("group", name="Actions").get_by_role("button", name="Scale").click()
    dialog = page.get_by_role("dialog", name="Scale: confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_text("frontend", exact=True)).to_be_visible()  # the target
    await dialog.get_by_label("Replicas").fill("5")
    confirm = dialog.get_by_role("button", name="Confirm: Scale")
    await expect(confirm).to_be_disabled()  # no real run before the dry run
    await dialog.get_by_role("button", name="Preview (dry run)").click()
    await expect(dialog.get_by_role("region", name="Preview")).to_be_visible(timeout=LIVE)
    async with fleet.kube("demo-0") as kube:
        path = f"/apis/apps/v1/namespaces/{DEMO_NS}/deployments/frontend"
        assert (await kube.get(path)).json()["spec"]["replicas"] == 3  # the dry run changed nothing
        await expect(confirm).to_be_enabled()
        await confirm.click()
        outcome = dialog.get_by_role("region", name="Progress")
        await expect(outcome.get_by_text("succeeded", exact=True).first).to_be_visible(timeout=LIVE)

        async def scaled() -> bool:
            return bool((await kube.get(path)).json()["spec"]["replicas"] == 5)

        await until(scaled, what="frontend at 5 replicas in kubesim", timeout=15)


async def test_cordon_from_the_node_page_marks_the_node_unschedulable(
    page: Page, fleet: Fleet
) -> None:
    node = await a_node(fleet, "demo-0")
    await log_in(page)
    await page.goto(f"/clusters/demo-0/nodes/{node}")
    await expect(page.get_by_role("heading", name=node)).to_be_visible()
    await (
        page.get_by_role("group", name="Actions")
        .get_by_role("button", name="Cordon", exact=True)
        .click()
    )
    dialog = page.get_by_role("dialog", name="Cordon: confirm")
    await dialog.get_by_role("button", name="Preview (dry run)").click()
    confirm = dialog.get_by_role("button", name="Confirm: Cordon")
    await expect(confirm).to_be_enabled(timeout=LIVE)
    await confirm.click()
    await expect(dialog.get_by_text("succeeded", exact=True).first).to_be_visible(timeout=LIVE)
    async with fleet.kube("demo-0") as kube:

        async def cordoned() -> bool:
            spec = (await kube.get(f"/api/v1/nodes/{node}")).json()["spec"]
            return bool(spec.get("unschedulable"))

        await until(cordoned, what=f"{node} unschedulable in kubesim", timeout=15)
    await dialog.get_by_role("button", name="Close").click()
    await expect(page.get_by_text("cordoned").first).to_be_visible(timeout=LIVE)


async def test_a_viewer_sees_no_action_buttons_and_a_forged_post_is_refused(
    page: Page, fleet: Fleet
) -> None:
    async with fleet.api() as http:
        r = await http.post(
            "/api/v1/users",
            json={"username": "vera", "password": VIEWER_PASSWORD, "role": "viewer"},
        )
        assert r.status_code == 201, r.text
    async with page.expect_response("**/api/v1/auth/login") as answer:
        await log_in(page, "vera", VIEWER_PASSWORD)
    token = (await (await answer.value).json())["access_token"]
    node = await a_node(fleet, "demo-0")
    for path, heading in (
        (f"/clusters/demo-0/workloads/Deployment/{DEMO_NS}/frontend", "frontend"),
        (f"/clusters/demo-0/nodes/{node}", node),
    ):
        await page.goto(path)
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
        await expect(page.get_by_role("group", name="Actions")).to_have_count(0)
        for name in ("Scale", "Cordon", "Drain", "Rollout restart"):
            await expect(page.get_by_role("button", name=name)).to_have_count(0)
    await expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    status = await page.evaluate(
        """async (token) => {
            const r = await fetch('/api/v1/clusters/demo-0/commands', {
                method: 'POST',
                headers: {'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json'},
                body: JSON.stringify({type: 'scale', params: {replicas: 0, allow_zero: true},
                    target: {kind: 'Deployment', namespace: 'lookout-demo', name: 'frontend'}}),
            });
            return r.status;
        }""",
        token,
    )
    assert status == 403
    async with fleet.kube("demo-0") as kube:
        d = (await kube.get(f"/apis/apps/v1/namespaces/{DEMO_NS}/deployments/frontend")).json()
    assert d["spec"]["replicas"] == 3


async def test_a_stopped_agent_turns_its_card_to_reconnecting_then_offline(
    page: Page, fleet: Fleet
) -> None:
    await log_in(page)
    await expect(card(page, "demo-1").get_by_text("Connected", exact=True)).to_be_visible()
    await fleet.stop_agent("demo-1")
    gone = card(page, "demo-1").get_by_text(re.compile("^(Reconnecting|Offline)$"))
    await expect(gone).to_be_visible(timeout=LIVE)
    await expect(card(page, "demo-1").get_by_text("Offline", exact=True)).to_be_visible(
        timeout=LIVE
    )
    await expect(card(page, "demo-0").get_by_text("Connected", exact=True)).to_be_visible()


TRANSLATED = {  # dashboard/src/i18n/{zh,ja}.ts: topbar.nav, nav.commands, nav.admin, fleet.title
    "中文": ("主导航", "命令", "管理", "集群总览"),
    "日本語": ("メイン", "コマンド", "管理", "フリート概要"),
}


@pytest.mark.parametrize("language", list(TRANSLATED), ids=["zh", "ja"])
async def test_switching_language_translates_the_page_and_is_remembered(
    page: Page, language: str
) -> None:
    nav_name, commands, admin, title = TRANSLATED[language]
    await log_in(page)
    await page.get_by_label("Language").select_option(label=language)
    nav = page.get_by_role("navigation", name=nav_name)
    await expect(nav.get_by_role("link", name=commands, exact=True)).to_be_visible()
    await expect(nav.get_by_role("link", name=admin, exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name=title)).to_be_visible()
    await expect(page.get_by_role("link", name="Commands")).to_have_count(0)
    await expect(page.get_by_text("Pod", exact=False).first).to_be_visible()  # k8s terms stay
    await page.reload()  # the choice is remembered
    await expect(page.get_by_role("heading", name=title)).to_be_visible()
