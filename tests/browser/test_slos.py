"""The SLO pages in real Chromium, the outside blocked: four SLOs defined on an in-process master,
three hours of ingress samples written into its store and one evaluation pass run at once.
The operator sees the list worst budget first (the burning one red, overspent, paging; the one
without traffic last and saying so), the detail's budget in requests and as time, the rules
with their factors, latency with its bucket bounds and the page alert it raised; the printable
report opens in a new tab and the CSV downloads; the fleet overview's card shows the worst
three. With no SLO defined the list and the card say what to do. axe-core finds nothing
serious on the list and the detail page. Screenshots into docs/screenshots/ only with
LOOKOUT_SCREENSHOTS=1."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import insert

from master.store.repositories.conversions import ingress_row
from master.store.schema.tables import ingress_samples
from shared.clock import now_ms
from shared.domain.ingress import IngressSample
from tests.browser.accessibility import axe_source_text, axe_violations, blocking
from tests.browser.conftest import ADMIN_PASSWORD, JWT_SECRET, Site
from tests.browser.demo import log_in
from tests.harness import API_TOKEN, add_cluster, master_settings, running_master

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
MIN = 60_000
CLUSTER = "prod-eu"
VIEWER_PASSWORD = "media viewer reads only"
TIMES = "\u00d7"  # the burn factor's sign, as the page writes it

CONFIG = f"""\
timezone: UTC
slos:
  - name: checkout-availability
    cluster: {CLUSTER}
    namespace: shop
    service: checkout
    objective: 99.9
    window: 30d
    owner: {{team: payments}}
  - name: search-latency
    cluster: {CLUSTER}
    namespace: shop
    service: search
    sli: latency
    threshold: 250ms
    objective: 99
    window: 30d
    owner: {{team: discovery}}
  - name: catalog-availability
    cluster: {CLUSTER}
    namespace: shop
    service: catalog
    objective: 99.5
    window: 7d
    owner: {{team: discovery}}
  - name: reviews-availability
    cluster: {CLUSTER}
    namespace: shop
    service: reviews
    objective: 99.9
    window: month
  - name: images-latency
    cluster: {CLUSTER}
    namespace: media
    service: images
    sli: latency
    threshold: 300ms
    objective: 99
    window: 28d
"""

# Cumulative latency buckets (ms) of the search service: 60 % under 100 ms, 99.5 % under 250 ms.
BOUNDS_MS = (50.0, 100.0, 250.0, 500.0, 1000.0)


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


@pytest.fixture
async def site(tmp_path: Path, dashboard_dir: Path) -> AsyncIterator[Site]:
    """The conftest's master, with one registered cluster (the fleet page needs one to show
    its cards) and the SLO definitions at <data_dir>/slos.yaml, none yet."""
    settings = master_settings(
        tmp_path / "m",
        jwt_secret=JWT_SECRET,
        bootstrap_admin_password=ADMIN_PASSWORD,
        dashboard_dir=dashboard_dir,
    )
    await add_cluster(settings, CLUSTER)
    async with running_master(settings) as m:
        await m.master.store.users.update("admin", must_change=False)  # as the demo does
        yield Site(m, f"http://127.0.0.1:{m.master.http_port}")


@pytest.fixture(scope="session")
def axe_source() -> str:
    return axe_source_text()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = SHOTS if os.environ.get("LOOKOUT_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


def minute_sample(
    service: str, minute_ms: int, requests: int, errors: int, namespace: str = "shop"
) -> IngressSample:
    latency: tuple[int, ...] = ()
    if service in ("search", "images"):
        latency = tuple(int(requests * f) for f in (0.3, 0.6, 0.995, 0.999, 1.0))
    return IngressSample(
        controller="haproxy",
        namespace=namespace,
        ingress=service,
        host="shop.example",
        service=service,
        window_start_ms=minute_ms,
        window_end_ms=minute_ms + MIN - 1,
        requests=requests,
        errors=errors,
        latency_bounds_ms=BOUNDS_MS if latency else (),
        latency_counts=latency,
    )


async def seed(site: Site) -> None:
    """Define the SLOs, write a day of traffic ending with the last full minute, and run one
    evaluation pass. Checkout fails 0.05 % of the time, then 5 % over the last 20 minutes: burn
    50x against 99.9 %, past the page rule's 14.4x in the 1 h (17x) and the 5 m window; over 6 h
    it burns 3.25x (under that rule's 6x), over the day 1.19x, past the 3 d rule's 1x (the
    store has only this day); its budget is overspent by 19 %. Search answers 99.5 % within
    250 ms against 99 % (half its budget left), catalog fails 1 in 1,500 against 99.5 %;
    reviews gets no traffic at all, and images' threshold (300 ms) is no bucket bound of its
    samples, so they are left out and the SLO carries a problem."""
    master = site.master.master
    assert master.slos is not None
    await master.slos.replace_config(CONFIG)
    now = now_ms()
    last = now - now % MIN - MIN
    rows = []
    for i in range(24 * 60):
        minute = last - i * MIN
        burning = i < 20
        rows += [
            ingress_row(CLUSTER, s, received_ms=now)
            for s in (
                minute_sample("checkout", minute, 2_000, 100 if burning else 1),
                minute_sample("search", minute, 1_000, 0),
                minute_sample("catalog", minute, 500, 1 if i % 3 == 0 else 0),
                minute_sample("images", minute, 100, 0, namespace="media"),
            )
        ]
    async with master.store.engine.begin() as conn:
        await conn.execute(insert(ingress_samples), rows)
    await master.slos.evaluate()


async def test_the_operator_sees_the_burning_slo_first_with_its_page_alert_budget_and_reports(
    page: Page, site: Site, axe_source: str, shots: Path
) -> None:
    await seed(site)
    await page.set_viewport_size(VIEWPORT)
    await log_in(page)

    # The fleet overview: the worst three, checkout first, paging.
    card = page.get_by_role("region", name="SLOs")
    await expect(card).to_be_visible()
    items = card.get_by_role("listitem")
    await expect(items).to_have_count(3)
    await expect(items.nth(0).get_by_role("link")).to_have_text("checkout-availability")
    await expect(items.nth(0).get_by_text("page", exact=True)).to_be_visible()
    await expect(items.nth(0).get_by_text("overspent")).to_be_visible()
    await expect(card.get_by_role("link", name="2 more SLOs")).to_be_visible()
    await card.screenshot(path=str(shots / "slo-fleet-card.png"))

    # The list, worst budget first; the nav entry next to Alerts.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="SLOs").click()
    await expect(page).to_have_url(re.compile(r"/slos$"))
    table = page.get_by_role("table", name="Service level objectives")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(5)
    names = await rows.evaluate_all("rs => rs.map(r => r.dataset.slo)")
    assert names == [
        "checkout-availability",  # overspent
        "search-latency",  # 50 % left
        "catalog-availability",  # 87 % left
        "images-latency",  # nothing counted: last, by name
        "reviews-availability",
    ]
    first = rows.nth(0)
    await expect(first.get_by_text("page", exact=True)).to_be_visible()
    await expect(first.get_by_text("overspent")).to_be_visible()
    await expect(first.locator(".budget-critical")).to_have_count(1)
    await expect(first.get_by_role("img", name=re.compile(r"^Burn rate per hour"))).to_be_visible()
    await expect(first.get_by_role("cell", name="99.9%", exact=True)).to_be_visible()
    quiet = table.locator('tr[data-slo="reviews-availability"]')
    await expect(quiet.get_by_text("no traffic yet").first).to_be_visible()
    await expect(quiet.get_by_text("No traffic in the last 24 hours")).to_be_visible()
    await expect(quiet.get_by_text("none", exact=True)).to_be_visible()
    images = table.locator('tr[data-slo="images-latency"]')
    await expect(
        images.get_by_text(re.compile(r"^Problem: \d+ sample\(s\) left out"))
    ).to_be_visible()
    search = table.locator('tr[data-slo="search-latency"]')
    await expect(search.get_by_text("latency ≤ 0.25 s")).to_be_visible()
    await expect(search.get_by_text("50%")).to_be_visible()
    await page.screenshot(path=str(shots / "slo-list.png"), full_page=True)
    found = await axe_violations(page, axe_source)
    assert not blocking(found), found

    # The filter narrows as you type and lives in the URL (shareable).
    await page.get_by_role("searchbox", name="Filter").fill("discovery")
    await expect(rows).to_have_count(2)
    await expect(page).to_have_url(re.compile(r"/slos\?q=discovery$"))
    await page.reload()
    await expect(page.get_by_role("searchbox", name="Filter")).to_have_value("discovery")
    await expect(table.locator("tbody tr")).to_have_count(2)
    await page.goto("/slos?firing=page")
    await expect(table.locator("tbody tr")).to_have_count(1)

    # An admin reads the definitions as the master runs them.
    await page.get_by_role("link", name="Definitions").click()
    await expect(page).to_have_url(re.compile(r"/admin/slos$"))
    definitions = page.get_by_role("table", name="SLO definitions")
    await expect(definitions.locator("tbody tr")).to_have_count(5)
    await expect(
        definitions.get_by_text(f"page 1h/5m 14.4{TIMES}", exact=False).first
    ).to_be_visible()
    await expect(page.get_by_label("The definitions file")).to_contain_text("checkout-availability")
    await page.screenshot(path=str(shots / "slo-definitions.png"), full_page=True)
    await page.goto("/slos?firing=page")

    # The detail of the burning one.
    await table.get_by_role("link", name="checkout-availability").click()
    await expect(page).to_have_url(re.compile(r"/slos/checkout-availability$"))
    await expect(page.get_by_role("heading", name="checkout-availability", level=1)).to_be_visible()
    async with httpx.AsyncClient(
        base_url=site.base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as api:
        detail = (await api.get("/api/v1/slos/checkout-availability")).json()
    budget = detail["budget"]
    assert budget["remaining"] < 0
    requests_line = page.get_by_text(re.compile(r"failed requests over a budget of"))
    shown = re.fullmatch(
        r"([\d,.]+) failed requests over a budget of ([\d,.]+)", await requests_line.inner_text()
    )
    assert shown, await requests_line.inner_text()
    over, allowed = (float(g.replace(",", "")) for g in shown.groups())
    assert abs(over + budget["remaining_requests"]) <= 0.05
    assert abs(allowed - budget["allowed_bad"]) <= 0.05
    # 99.9 % of 30 days is 43 min 12 s of bad time; all of it and more is spent.
    await expect(page.get_by_test_id("budget-time")).to_have_text(
        re.compile(r"^\d+ (d|h|min)( \d+ (h|min|s))? over a budget of 43 min 12 s$")
    )
    await expect(page.get_by_text("rolling 30 days")).to_be_visible()
    rules = page.get_by_role("table", name="Alert rules")
    fast = rules.locator('tr[data-rule="1h/5m"]')
    await expect(fast.get_by_text(f"14.4{TIMES}")).to_be_visible()
    await expect(fast.get_by_text("firing", exact=True)).to_be_visible()
    await expect(rules.locator("tbody tr")).to_have_count(4)
    await expect(rules.locator('tr[data-rule="6h/30m"]').get_by_text("quiet")).to_be_visible()
    slow = rules.locator('tr[data-rule="3d/6h"]')
    await expect(slow.get_by_text("ticket")).to_be_visible()
    await expect(slow.get_by_text("firing", exact=True)).to_be_visible()
    burn = page.get_by_role("table", name="Burn rate per window")
    await expect(burn.get_by_role("cell", name=f"50{TIMES}", exact=True).first).to_be_visible()
    raised = page.get_by_role("table", name="Alerts it raised")
    page_alert = raised.get_by_role("row").filter(has_text="1h/5m")
    await expect(page_alert).to_have_count(1, timeout=15_000)
    await expect(page_alert.get_by_text("Critical", exact=True)).to_be_visible()
    await expect(page_alert.get_by_text("page", exact=True)).to_be_visible()
    await expect(page_alert.get_by_text("still firing")).to_be_visible()
    charts = page.locator("figure.chart")
    await expect(charts).to_have_count(2)
    await expect(charts.nth(0).locator("canvas")).to_have_count(1)
    await page.screenshot(path=str(shots / "slo-detail.png"), full_page=True)
    found = await axe_violations(page, axe_source)
    assert not blocking(found), found

    # Reports: the CSV downloads (one row per SLO), the printable HTML opens in a new tab.
    reports = page.get_by_role("region", name="Reports")
    period = await reports.get_by_role("combobox", name="Period").input_value()
    assert period == "thisMonth"
    async with page.expect_download() as got:
        await reports.get_by_role("button", name="Download CSV").click()
    download = await got.value
    assert re.fullmatch(r"slo-report-\d{4}-\d{2}\.csv", download.suggested_filename)
    text = await asyncio.to_thread(Path(await download.path()).read_text)
    slos = {r["slo"] for r in csv.DictReader(io.StringIO(text))}
    assert {"checkout-availability", "reviews-availability"} <= slos
    await reports.get_by_role("combobox", name="Period").select_option("thisQuarter")
    async with page.context.expect_page() as opened:
        await reports.get_by_role("button", name="Printable report (HTML)").click()
    report = await opened.value
    await expect(
        report.get_by_role("heading", name=re.compile(r"^SLO report \d{4}-Q[1-4]$"))
    ).to_be_visible()
    await expect(
        report.get_by_role("cell", name=re.compile("checkout-availability"))
    ).to_be_visible()
    # Its own stylesheet applies (adopted through the CSSOM, not refused as an inline <style>).
    border = await report.locator("h2").first.evaluate("e => getComputedStyle(e).borderBottomWidth")
    assert border == "2px"
    await report.set_viewport_size(VIEWPORT)
    await report.screenshot(path=str(shots / "slo-report.png"), full_page=True)
    await report.close()

    # A latency SLO: percentiles with the bounds of the bucket each falls in.
    await page.goto("/slos/search-latency")
    latency = page.get_by_role("table", name="Latency")
    await expect(latency.get_by_role("row", name=re.compile("^p50 "))).to_have_text(
        re.compile(r"p50\s*0\.0\d+ s \(between 0\.05 and 0\.1 s\)")
    )
    await expect(latency.get_by_role("row", name=re.compile("^p99 "))).to_have_text(
        re.compile(r"p99\s*0\.\d+ s \(between 0\.1 and 0\.25 s\)")
    )
    await expect(page.get_by_test_id("budget-time")).to_have_text(
        re.compile(r"^\d+ h( \d+ min)? of 7 h 12 min left$")  # 1 % of 30 days is 7 h 12 min
    )

    # The same pages in Japanese (Kubernetes and SLO terms stay as they are).
    await page.get_by_role("combobox", name="Language").select_option("ja")
    await page.goto("/slos")
    await expect(
        page.get_by_role("heading", name=re.compile("^サービスレベル目標"))
    ).to_be_visible()
    await expect(page.get_by_text("まだトラフィックなし").first).to_be_visible()
    await page.screenshot(path=str(shots / "slo-list-ja.png"), full_page=True)


async def test_an_unknown_slo_and_no_slos_at_all_say_what_to_do(page: Page) -> None:
    await log_in(page)
    card = page.get_by_role("region", name="SLOs")
    await expect(card.get_by_text("No SLOs defined.")).to_be_visible()
    await page.goto("/slos")
    await expect(page.get_by_role("heading", name="No SLOs are defined.")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"slos\.yaml"))).to_be_visible()
    await page.goto("/slos/nope")
    await expect(
        page.get_by_role("heading", name="No such SLO, or not one you may see.")
    ).to_be_visible()


async def test_a_viewer_of_one_namespace_sees_only_its_slo_and_others_answer_as_unknown(
    page: Page, site: Site, axe_source: str
) -> None:
    await seed(site)
    async with httpx.AsyncClient(
        base_url=site.base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as api:
        r = await api.post(
            "/api/v1/users", json={"username": "mia", "password": VIEWER_PASSWORD, "role": ""}
        )
        assert r.status_code == 201, r.text
        r = await api.post(
            "/api/v1/rolebindings",
            json={
                "subject_kind": "user",
                "subject": "mia",
                "role": "viewer",
                "cluster": CLUSTER,
                "namespace": "media",
            },
        )
        assert r.status_code == 201, r.text
    await log_in(page, "mia", VIEWER_PASSWORD)
    await page.goto("/slos")
    rows = page.get_by_role("table", name="Service level objectives").locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.get_by_role("link", name="images-latency")).to_be_visible()
    await expect(rows.get_by_text("no traffic yet").first).to_be_visible()
    await page.goto("/slos/checkout-availability")
    await expect(
        page.get_by_role("heading", name="No such SLO, or not one you may see.")
    ).to_be_visible()
    # The dark theme, and axe there too.
    await page.goto("/slos/images-latency")
    await expect(page.get_by_role("heading", name="images-latency", level=1)).to_be_visible()
    await page.get_by_role("button", name="Switch to dark theme").click()
    await expect(page.get_by_role("button", name="Switch to light theme")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"^Problem: "))).to_be_visible()
    found = await axe_violations(page, axe_source)
    assert not blocking(found), found
