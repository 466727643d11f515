"""The issue's first-load bench, measured (printed with ``-s``, never asserted as a time: a
loaded CI runner must not fail on it): a cold-cache load of the fleet overview on loopback —
Navigation Timing's domInteractive and loadEventEnd, and until the two cluster cards show
data — and the JavaScript the first page ships, gzipped on the wire.

    pytest -s -p no:cacheprovider tests/browser/test_bench.py"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, fleet_site
from tests.browser.demo import Fleet

pytestmark = pytest.mark.browser

site = pytest.fixture(name="site")(fleet_site)  # page and watch guard the fleet's master


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


async def test_cold_first_load_of_the_overview(page: Page, fleet: Fleet) -> None:
    # A session (the refresh cookie) without loading any asset: the page's HTTP cache stays cold.
    login = await page.request.post(
        "/api/v1/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert login.ok, await login.text()
    started = time.perf_counter()
    await page.goto("/")
    await expect(page.get_by_text(re.compile(r"\d+/\d+ Ready"))).to_have_count(2, timeout=15_000)
    with_data_ms = (time.perf_counter() - started) * 1000
    timing: dict[str, Any] = await page.evaluate(
        """() => {
            const [n] = performance.getEntriesByType('navigation');
            const scripts = performance.getEntriesByType('resource')
                .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'));
            return {
                domInteractive: n.domInteractive, loadEventEnd: n.loadEventEnd,
                jsEncoded: scripts.reduce((s, r) => s + r.encodedBodySize, 0),
                jsDecoded: scripts.reduce((s, r) => s + r.decodedBodySize, 0),
                jsFiles: scripts.map((r) => r.name.replace(location.origin, '')),
            };
        }"""
    )
    print(
        f"\nbench: cold first load of / — domInteractive {timing['domInteractive']:.0f} ms, "
        f"loadEventEnd {timing['loadEventEnd']:.0f} ms, cluster cards with data "
        f"{with_data_ms:.0f} ms; JS {timing['jsEncoded'] / 1024:.1f} KiB gzipped "
        f"({timing['jsDecoded'] / 1024:.1f} KiB decoded) in {len(timing['jsFiles'])} files: "
        f"{timing['jsFiles']}"
    )
    assert timing["jsFiles"], "no script was loaded"
    assert timing["jsEncoded"] < timing["jsDecoded"], "the scripts were not sent compressed"
