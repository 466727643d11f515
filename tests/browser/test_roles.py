"""Roles in the dashboard on a ``lookout demo``-style fleet, in real Chromium (the role matrix is
master/auth/roles.py; the admin and the global viewer are test_pages.py's): an operator sees the
actions and runs a rollout restart through the dialog, with the change landing in the simulated
cluster and no Admin section for them; a viewer bound to one namespace of one cluster sees only
that namespace's pods and no action anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import fleet_site
from tests.browser.demo import DEMO_NS, Fleet, log_in, until

pytestmark = pytest.mark.browser

LIVE = 15_000
CLUSTER = "demo-0"
PASSWORD = "a password long enough for the policy"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"

site = pytest.fixture(name="site")(fleet_site)  # page and watch guard the fleet's master


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


async def add_user(fleet: Fleet, username: str, role: str) -> None:
    async with fleet.api() as http:
        r = await http.post(
            "/api/v1/users", json={"username": username, "password": PASSWORD, "role": role}
        )
        assert r.status_code == 201, r.text


async def test_an_operator_sees_the_actions_and_runs_a_rollout_restart(
    page: Page, fleet: Fleet
) -> None:
    await add_user(fleet, "olga", "operator")
    await log_in(page, "olga", PASSWORD)
    await expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    await page.goto(f"/clusters/{CLUSTER}/workloads/Deployment/{DEMO_NS}/frontend")
    actions = page.get_by_role("group", name="Actions")
    for name in ("Scale", "Rollout restart", "Set image"):
        await expect(actions.get_by_role("button", name=name)).to_be_visible()
    await actions.get_by_role("button", name="Rollout restart").click()
    dialog = page.get_by_role("dialog", name="Rollout restart: confirm")
    await expect(dialog.get_by_text("frontend", exact=True)).to_be_visible()
    confirm = dialog.get_by_role("button", name="Confirm: Rollout restart")
    await expect(confirm).to_be_disabled()  # no real run before the dry run
    await dialog.get_by_role("button", name="Preview (dry run)").click()
    await expect(dialog.get_by_role("region", name="Preview")).to_be_visible(timeout=LIVE)
    path = f"/apis/apps/v1/namespaces/{DEMO_NS}/deployments/frontend"

    def restarted_at(deployment: dict[str, Any]) -> str | None:
        template = deployment["spec"]["template"]
        value: str | None = (
            (template.get("metadata") or {}).get("annotations", {}).get(RESTARTED_AT)
        )
        return value

    async with fleet.kube(CLUSTER) as kube:
        assert restarted_at((await kube.get(path)).json()) is None  # the dry run changed nothing
        await expect(confirm).to_be_enabled()
        await confirm.click()
        outcome = dialog.get_by_role("region", name="Progress")
        await expect(outcome.get_by_text("succeeded", exact=True).first).to_be_visible(timeout=LIVE)

        async def annotated() -> bool:
            return restarted_at((await kube.get(path)).json()) is not None

        await until(annotated, what="frontend's template restartedAt in kubesim", timeout=15)


async def test_a_namespace_viewer_sees_only_its_namespaces_pods_and_no_actions(
    page: Page, fleet: Fleet
) -> None:
    await add_user(fleet, "nina", "")  # no global role: only the binding below
    async with fleet.api() as http:
        r = await http.post(
            "/api/v1/rolebindings",
            json={
                "subject_kind": "user",
                "subject": "nina",
                "role": "viewer",
                "cluster": CLUSTER,
                "namespace": DEMO_NS,
            },
        )
        assert r.status_code == 201, r.text
        everything = await http.get(f"/api/v1/clusters/{CLUSTER}/resources?kind=Pod&limit=5000")
    namespaces = {p["namespace"] for p in everything.json()["items"]}
    assert DEMO_NS in namespaces and len(namespaces) > 1  # there is something to hide

    await log_in(page, "nina", PASSWORD)
    await page.goto(f"/clusters/{CLUSTER}/pods")
    table = page.get_by_role("table", name="Pods")
    await expect(table.get_by_role("link").first).to_be_visible(timeout=LIVE)
    await expect(page.get_by_text(re.compile(r"^(\d+) of \1$"))).to_be_visible()  # no filter
    shown = await table.get_by_role("row").filter(has=page.get_by_role("link")).all()
    assert shown
    for row in shown:  # the namespace column of every row
        await expect(row.get_by_role("cell").nth(2)).to_have_text(DEMO_NS)
    namespace_filter = page.get_by_label("Namespace")
    assert await namespace_filter.locator("option").all_inner_texts() == ["All", DEMO_NS]

    await table.get_by_role("link", name=re.compile("^frontend-")).first.click()
    await expect(page.get_by_role("heading", name=re.compile("^frontend-"))).to_be_visible()
    for where in (
        page.url,
        f"/clusters/{CLUSTER}/workloads/Deployment/{DEMO_NS}/frontend",
    ):
        await page.goto(where)
        await expect(page.get_by_role("heading", name=re.compile("^frontend"))).to_be_visible()
        await expect(page.get_by_role("group", name="Actions")).to_have_count(0)
        for name in ("Scale", "Rollout restart", "Restart pod", "Delete pod"):
            await expect(page.get_by_role("button", name=name)).to_have_count(0)
    await expect(page.get_by_role("link", name="Admin")).to_have_count(0)
