"""Every main page of the dashboard on a ``lookout demo``-style fleet, in real Chromium: axe-core
finds no serious or critical accessibility violation on any of them (light and dark), and the
run takes the README's screenshots (1280 x 800; English light, one dark, and 日本語) — into
docs/screenshots/ only with LOOKOUT_SCREENSHOTS=1, else into a temporary folder, so an ordinary
run leaves the git tree clean. axe-core: tests/browser/accessibility.py."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import axe_source_text, axe_violations, blocking
from tests.browser.conftest import fleet_site
from tests.browser.demo import DEMO_NS, Fleet, a_node, log_in

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
LIVE = 15_000

site = pytest.fixture(name="site")(fleet_site)  # page and watch guard the fleet's master


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


@pytest.fixture(scope="session")
def axe_source() -> str:
    return axe_source_text()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """docs/screenshots/ with LOOKOUT_SCREENSHOTS=1 (refreshing the README's pictures);
    otherwise a temporary folder, so a test run leaves the git tree clean and the pictures are
    still taken and checked."""
    out = SHOTS if os.environ.get("LOOKOUT_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


async def pod_of(fleet: Fleet, cluster: str, app: str) -> str:
    async with fleet.kube(cluster) as kube:
        r = await kube.get(
            f"/api/v1/namespaces/{DEMO_NS}/pods", params={"labelSelector": f"app={app}"}
        )
    names: list[str] = sorted(p["metadata"]["name"] for p in r.json()["items"])
    assert names, f"no {app} pods in {cluster}"
    return names[0]


Visit = Callable[[Page], Awaitable[None]]


async def main_pages(fleet: Fleet) -> list[tuple[str, str, Visit]]:
    """(name, path, wait-until-loaded) for every main page, on demo-0's scripted incidents."""
    node = await a_node(fleet, "demo-0")
    pod = await pod_of(fleet, "demo-0", "checkout")  # crash-looping: findings, a last state

    def heading(name: str | re.Pattern[str]) -> Visit:
        async def wait(page: Page) -> None:
            await expect(page.get_by_role("heading", name=name).first).to_be_visible(timeout=LIVE)

        return wait

    async def fleet_loaded(page: Page) -> None:
        await expect(page.get_by_text("Connected", exact=True)).to_have_count(2, timeout=LIVE)
        await expect(page.get_by_text(re.compile(r"\d+/\d+ Ready"))).to_have_count(2, timeout=LIVE)

    async def pods_loaded(page: Page) -> None:
        await expect(
            page.get_by_role("table", name="Pods").get_by_role("link").first
        ).to_be_visible(timeout=LIVE)

    async def pod_loaded(page: Page) -> None:
        await expect(page.get_by_role("heading", name=pod)).to_be_visible(timeout=LIVE)
        await expect(page.get_by_text("CrashLoopBackOff").first).to_be_visible(timeout=LIVE)

    async def services_loaded(page: Page) -> None:
        await expect(
            page.get_by_role("table", name="Services").get_by_role("link").first
        ).to_be_visible(timeout=LIVE)

    return [
        ("fleet", "/", fleet_loaded),
        ("cluster-overview", "/clusters/demo-0", heading("Active findings")),
        ("cluster-pods", "/clusters/demo-0/pods", pods_loaded),
        ("pod-detail", f"/clusters/demo-0/pods/{DEMO_NS}/{pod}", pod_loaded),
        ("pod-yaml", f"/clusters/demo-0/pods/{DEMO_NS}/{pod}?tab=yaml", heading("YAML")),
        ("cluster-services", "/clusters/demo-0/services", services_loaded),
        # kubesim's seed has no Ingress or PVC: their empty states (test_resource_pages has rows)
        ("cluster-ingresses", "/clusters/demo-0/ingresses", heading("No Ingresses")),
        ("cluster-pvcs", "/clusters/demo-0/pvcs", heading("No PersistentVolumeClaims")),
        ("node-detail", f"/clusters/demo-0/nodes/{node}", heading(node)),
        (
            "workload-detail",
            f"/clusters/demo-0/workloads/Deployment/{DEMO_NS}/checkout",
            heading("checkout"),
        ),
        ("commands", "/commands", heading("Commands")),
        ("admin-users", "/admin/users", heading("Users")),
        ("admin-audit", "/admin/audit", heading("Audit log")),
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_no_serious_accessibility_violations_on_any_main_page(
    page: Page, fleet: Fleet, axe_source: str, scheme: str
) -> None:
    await page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    await page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    await log_in(page)
    report: dict[str, list[dict[str, Any]]] = {}
    for name, path, loaded in await main_pages(fleet):
        await page.goto(path)
        await loaded(page)
        report[name] = await axe_violations(page, axe_source)
    found_blocking = {name: blocking(found) for name, found in report.items()}
    print(f"axe ({scheme}):", {n: [(v["id"], v["impact"]) for v in f] for n, f in report.items()})
    assert not any(found_blocking.values()), (
        f"serious/critical axe violations ({scheme}): {found_blocking}"
    )


async def shoot(page: Page, shots: Path, name: str) -> None:
    await page.mouse.move(0, 0)  # no hover state in the picture
    await page.screenshot(path=str(shots / f"{name}.png"), animations="disabled", caret="hide")


async def test_screenshots_of_the_main_pages(page: Page, fleet: Fleet, shots: Path) -> None:
    await page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    await page.emulate_media(color_scheme="light")
    await log_in(page)
    pages = {name: (path, loaded) for name, path, loaded in await main_pages(fleet)}
    for name in (
        "fleet",
        "cluster-pods",
        "pod-detail",
        "pod-yaml",
        "node-detail",
        "cluster-services",
    ):
        path, loaded = pages[name]
        await page.goto(path)
        await loaded(page)
        await shoot(page, shots, name)

    # The action dialog with its dry-run preview.
    await page.goto(f"/clusters/demo-0/workloads/Deployment/{DEMO_NS}/frontend")
    await page.get_by_role("group", name="Actions").get_by_role("button", name="Scale").click()
    dialog = page.get_by_role("dialog", name="Scale: confirm")
    await dialog.get_by_label("Replicas").fill("4")
    await dialog.get_by_role("button", name="Preview (dry run)").click()
    await expect(dialog.get_by_role("region", name="Preview")).to_be_visible(timeout=LIVE)
    await expect(dialog.get_by_role("button", name="Confirm: Scale")).to_be_enabled()
    await shoot(page, shots, "action-dialog-dry-run")
    await dialog.get_by_role("button", name="Cancel").click()

    async with fleet.api() as http:  # a second user, so the table shows an editable row
        r = await http.post(
            "/api/v1/users",
            json={"username": "olga", "password": "operator on call tonight", "role": "operator"},
        )
        assert r.status_code == 201, r.text
    path, loaded = pages["admin-users"]
    await page.goto(path)
    await loaded(page)
    await shoot(page, shots, "admin-users")

    await page.emulate_media(color_scheme="dark")
    path, loaded = pages["fleet"]
    await page.goto(path)
    await loaded(page)
    await shoot(page, shots, "fleet-dark")
    await page.emulate_media(color_scheme="light")
    await page.goto("/")  # the theme follows the system's preference at load
    await loaded(page)
    await page.get_by_label("Language").select_option(label="日本語")
    await expect(page.get_by_role("heading", name="フリート概要")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"\d+/\d+"))).to_have_count(2, timeout=LIVE)
    await shoot(page, shots, "fleet-ja")
    await page.goto("/clusters/demo-0/pods")
    await expect(page.get_by_role("table", name="Pod").get_by_role("link").first).to_be_visible(
        timeout=LIVE
    )
    await shoot(page, shots, "cluster-pods-ja")
    for name in (
        "fleet",
        "cluster-pods",
        "pod-detail",
        "pod-yaml",
        "node-detail",
        "cluster-services",
        "action-dialog-dry-run",
        "admin-users",
        "fleet-dark",
        "fleet-ja",
        "cluster-pods-ja",
    ):
        assert (shots / f"{name}.png").stat().st_size > 10_000, name
