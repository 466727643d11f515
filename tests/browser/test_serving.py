"""The master's pages in real Chromium with every request outside the master's origin blocked:
Swagger UI at /api/docs renders from the master's own copies, and the dashboard build at / runs
under the strict CSP with no violation — its index for deep links, its hashed assets cached for
good."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from master.gateway.headers import HTML_CSP
from master.gateway.static import IMMUTABLE
from tests.browser.conftest import Watch
from tests.harness import eventually

pytestmark = pytest.mark.browser

ENTRY = "/assets/index-B7fQx2Lk.js"
STYLES = "/assets/index-Dk3s9aPq.css"
CHUNK = "/assets/chunk-Q1w2E3r4.js"


@pytest.mark.usefixtures("swagger_assets")
async def test_api_docs_render_swagger_ui_with_the_outside_blocked(
    page: Page, watch: Watch
) -> None:
    answer = await page.goto("/api/docs")
    assert answer is not None and answer.status == 200
    operations = page.locator(".opblock-summary-path")
    await expect(operations.first).to_be_visible()
    assert await operations.count() > 10
    await expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/clusters").first
    ).to_be_visible()
    csp = answer.headers["content-security-policy"]
    assert "'nonce-" in csp and "unsafe-inline" not in csp
    for path in ("/api/docs/assets/swagger-ui-bundle.js", "/api/docs/assets/swagger-ui.css"):
        assert watch.response(path).status == 200
    assert watch.console_errors == []


async def test_the_dashboard_runs_under_the_strict_csp_without_violations(
    page: Page, watch: Watch
) -> None:
    answer = await page.goto("/")
    assert answer is not None and answer.status == 200
    assert answer.headers["content-security-policy"] == HTML_CSP
    assert answer.headers["cache-control"] == "no-cache"
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    await expect(page.locator("#chunk")).to_have_text("chunk loaded")  # a lazy import
    await expect(page.locator("#health")).to_have_text("healthy")  # connect-src 'self'
    heading = page.locator("h1")
    await expect(heading).to_have_text("Lookout 看板 ダッシュボード")
    await expect(heading).to_have_css("color", "rgb(200, 30, 30)")  # styles set via the CSSOM
    assert watch.console_errors == []


async def test_hashed_assets_are_cached_for_good_and_sent_gzipped(page: Page, watch: Watch) -> None:
    await page.goto("/")
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    for path, kind in (
        (ENTRY, "text/javascript"),
        (STYLES, "text/css"),
        (CHUNK, "text/javascript"),
    ):
        response = watch.response(path)
        headers = await response.all_headers()
        assert response.status == 200, path
        assert headers["cache-control"] == IMMUTABLE, path
        assert headers["content-type"].startswith(kind), path
        assert headers["content-encoding"] == "gzip", path  # the build's twin, decoded by Chromium
    assert watch.response("/favicon.svg").headers["cache-control"] == "no-cache"


async def test_a_deep_link_is_the_dashboards_index(page: Page, watch: Watch) -> None:
    answer = await page.goto("/clusters/edge/pods?ns=shop")
    assert answer is not None and answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    await expect(page.locator("#route")).to_have_text("/clusters/edge/pods")
    await expect(page.locator("#chunk")).to_have_text("chunk loaded")
    missing = await page.request.get("/api/v1/no-such-route")
    assert missing.status == 404
    assert (await missing.json())["error"] == "not_found"
    assert watch.console_errors == []


async def test_requests_off_the_masters_origin_are_aborted_and_recorded(
    page: Page, watch: Watch
) -> None:
    """The guard itself: a page without the master's CSP that asks the outside for an image."""
    await page.goto("/api/v1/no-such-route")  # some page on the master's origin
    await page.set_content('<img src="https://cdn.example.invalid/logo.png">')
    await expect(page.locator("img")).to_be_attached()
    await page.wait_for_function("document.querySelector('img').complete")
    assert watch.blocked == ["https://cdn.example.invalid/logo.png"]
    watch.blocked.clear()  # seen; the fixture's teardown would fail the test otherwise


async def test_a_csp_violation_is_seen_by_the_watch(page: Page, watch: Watch) -> None:
    """The other guard: an inline script, which the dashboard's policy refuses, is reported."""
    await page.goto("/")
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    await page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "document.body.dataset.inline = 'ran'";
            document.body.append(s);
        }"""
    )
    await eventually(lambda: bool(watch.csp_violations), timeout=10, what="a CSP report")
    assert await page.evaluate("document.body.dataset.inline") is None  # it did not run
    assert any(v.startswith("script-src-elem blocked inline") for v in watch.csp_violations)
    watch.csp_violations.clear()
