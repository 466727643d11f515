"""The Services, Ingresses and PersistentVolumeClaims pages on a ``lookout demo``-style fleet, in
real Chromium: real rows from the simulated cluster (kubesim's seeded Services, and an Ingress, a
claim and a pod mounting it created under the open dashboard), the links between them (Service →
the pods its selector picks, Ingress → its backend Service, claim → the pod mounting it), the
YAML tab with its copy button, and axe-core finding no serious or critical violation on each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import axe_source_text, axe_violations, blocking
from tests.browser.conftest import fleet_site
from tests.browser.demo import DEMO_NS, Fleet, log_in

pytestmark = pytest.mark.browser

LIVE = 15_000
CLUSTER = "demo-0"

site = pytest.fixture(name="site")(fleet_site)  # page and watch guard the fleet's master


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


@pytest.fixture(scope="session")
def axe_source() -> str:
    return axe_source_text()


OBJECTS: list[tuple[str, dict[str, Any]]] = [
    (
        f"/api/v1/namespaces/{DEMO_NS}/services",
        {
            "metadata": {"name": "frontend", "namespace": DEMO_NS},
            "spec": {
                "selector": {"app": "frontend"},
                "clusterIP": "10.96.200.7",
                "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
            },
        },
    ),
    (
        f"/apis/networking.k8s.io/v1/namespaces/{DEMO_NS}/ingresses",
        {
            "metadata": {"name": "shop", "namespace": DEMO_NS},
            "spec": {
                "ingressClassName": "haproxy",
                "rules": [
                    {
                        "host": "shop.example",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": "frontend", "port": {"number": 80}}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        },
    ),
    (
        f"/api/v1/namespaces/{DEMO_NS}/persistentvolumeclaims",
        {
            "metadata": {"name": "archive-data", "namespace": DEMO_NS},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "standard",
                "resources": {"requests": {"storage": "5Gi"}},
            },
        },
    ),
    (
        f"/api/v1/namespaces/{DEMO_NS}/pods",
        {
            "metadata": {"name": "archive-0", "namespace": DEMO_NS, "labels": {"app": "archive"}},
            "spec": {
                "containers": [{"name": "main", "image": "registry.local/archive:1.0"}],
                "volumes": [
                    {"name": "data", "persistentVolumeClaim": {"claimName": "archive-data"}}
                ],
            },
        },
    ),
]


async def assert_accessible(page: Page, axe_source: str, what: str) -> None:
    found = await axe_violations(page, axe_source)
    print(f"axe ({what}):", [(v["id"], v["impact"]) for v in found])
    assert not blocking(found), f"serious/critical axe violations on {what}: {blocking(found)}"


async def test_services_ingresses_and_claims_show_real_rows_linked_to_each_other(
    page: Page, fleet: Fleet, axe_source: str
) -> None:
    async with fleet.kube(CLUSTER) as kube:
        for path, body in OBJECTS:
            r = await kube.post(path, json=body)
            assert r.status_code == 201, (path, r.text)
    await log_in(page)
    base = f"/clusters/{CLUSTER}"

    # Services: kubesim's seeded ones across the team namespaces, then the demo's one.
    await page.goto(f"{base}/services")
    services = page.get_by_role("table", name="Services")
    await expect(services.get_by_role("link", name="svc-0000", exact=True)).to_be_visible(
        timeout=LIVE
    )
    await assert_accessible(page, axe_source, "services")
    await page.get_by_label("Namespace").select_option(DEMO_NS)
    assert f"namespace={DEMO_NS}" in page.url  # the filter is in the shareable URL
    row = services.get_by_role("row").filter(has=page.get_by_role("link", name="frontend"))
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("80→8080/TCP")).to_be_visible()
    await expect(row.get_by_role("link", name="3", exact=True)).to_be_visible(timeout=LIVE)
    await row.get_by_role("link", name="frontend").click()
    await expect(page.get_by_role("heading", name="frontend")).to_be_visible()
    selected = page.get_by_role("region", name="Pods its selector matches")
    await expect(selected.get_by_role("link", name=re.compile("^frontend-"))).to_have_count(
        3, timeout=LIVE
    )
    await assert_accessible(page, axe_source, "service detail")

    # Its YAML, as the master holds it, and the copy button.
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.get_by_role("tab", name="YAML").click()
    assert "tab=yaml" in page.url
    yaml_text = page.get_by_role("tabpanel").locator("pre")
    await expect(yaml_text).to_contain_text("kind: Service")
    await expect(yaml_text).to_contain_text("  selector:\n    app: frontend")
    await page.get_by_role("button", name="Copy").click()
    await expect(page.get_by_text("Copied to the clipboard")).to_be_visible()
    copied = await page.evaluate("() => navigator.clipboard.readText()")
    assert copied.rstrip("\n") == (await yaml_text.inner_text()).rstrip("\n")
    assert copied.startswith("kind: Service\n")
    await assert_accessible(page, axe_source, "service YAML")

    # Ingresses: the new one, its backend linked to the Service.
    await page.goto(f"{base}/ingresses")
    ingresses = page.get_by_role("table", name="Ingresses")
    row = ingresses.get_by_role("row").filter(has=page.get_by_role("link", name="shop"))
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("shop.example")).to_be_visible()
    await assert_accessible(page, axe_source, "ingresses")
    await row.get_by_role("link", name="frontend").click()
    await expect(page.get_by_role("heading", name="frontend")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"/services/{DEMO_NS}/frontend$"))

    # Claims: the new one, linked to the pod that mounts it.
    await page.goto(f"{base}/pvcs?q=archive")
    claims = page.get_by_role("table", name="PVCs")
    row = claims.get_by_role("row").filter(has=page.get_by_role("link", name="archive-data"))
    await expect(row).to_have_count(1, timeout=LIVE)
    await expect(row.get_by_text("5Gi")).to_be_visible()
    await expect(row.get_by_role("link", name="archive-0")).to_be_visible(timeout=LIVE)
    await assert_accessible(page, axe_source, "pvcs")
    await row.get_by_role("link", name="archive-data").click()
    await expect(page.get_by_role("heading", name="archive-data")).to_be_visible()
    await assert_accessible(page, axe_source, "pvc detail")
    await (
        page.get_by_role("region", name="Mounted by").get_by_role("link", name="archive-0").click()
    )
    await expect(page.get_by_role("heading", name="archive-0")).to_be_visible()
