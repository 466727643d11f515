"""The pods page with 5,000 pods in one cluster, measured in the real Chromium (printed with
``-s``, and written to ``$LOOKOUT_BENCH_OUT`` as JSON for ``python -m bench dashboard``;
never asserted as a time: a loaded CI runner must not fail on it).

* first render: from the navigation to the virtualised table holding all 5,000 rows (the
  fetch of the pods list included, on loopback), and the table's own render after the data
  arrived (the longest task of the page, from the Long Tasks API);
* a filter keystroke: typed into the search box, until the count and the rows show the new
  match, over a few keystrokes, median and worst.

    pytest -s -p no:cacheprovider tests/browser/test_bench_pods.py"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.conftest import fleet_site, fleet_with
from tests.browser.demo import DEMO_NS, Fleet, log_in, until

pytestmark = pytest.mark.browser

PODS = 5_000
CLUSTER = "demo-0"
site = pytest.fixture(name="site")(fleet_site)


@pytest.fixture
def dashboard_dir(built_dashboard: Path) -> Path:
    return built_dashboard


fleet = fleet_with(pods=PODS)


ROWS_JS = "() => Number(document.querySelector('[role=table]')?.getAttribute('aria-rowcount') || 0)"

# One keystroke, timed on the page's own clock (no round trip to the test): set the search
# box's value the way React sees typing, wait until the shown count changed, then a frame.
KEYSTROKE_JS = """async (text) => {
    const input = document.querySelector('.filters input[type=search]');
    const status = document.querySelector('.filters [role=status]');
    const before = status.textContent;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const t0 = performance.now();
    setter.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    while (status.textContent === before) {
        await new Promise((r) => requestAnimationFrame(r));
        if (performance.now() - t0 > 10000) return -1;
    }
    await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t0;
}"""


async def test_the_pods_page_with_5000_pods(page: Page, fleet: Fleet) -> None:
    async with fleet.api() as http:

        async def mirrored() -> bool:
            r = await http.get(f"/api/v1/clusters/{CLUSTER}")
            return bool(r.json().get("resource_counts", {}).get("Pod", 0) >= PODS)

        await until(mirrored, what=f"{PODS} pods mirrored", timeout=180)
    await log_in(page)
    await page.goto(f"/clusters/{CLUSTER}/pods")
    await page.evaluate(
        "() => { window.__long = []; new PerformanceObserver((l) => "
        "window.__long.push(...l.getEntries().map((e) => e.duration)))"
        ".observe({ type: 'longtask', buffered: true }); }"
    )
    await page.wait_for_function(f"() => ({ROWS_JS})() >= {PODS + 1}", timeout=60_000)
    total: int = await page.evaluate(ROWS_JS)  # the churn may have added a few
    first: dict[str, Any] = await page.evaluate(
        "() => ({ at: performance.now(), long: Math.max(0, ...(window.__long || [])),"
        " api: performance.getEntriesByType('resource')"
        ".map((r) => [r.name.replace(location.origin, ''), Math.round(r.startTime),"
        " Math.round(r.duration), r.encodedBodySize]) })"
    )
    print("\nbench: API calls while the pods page loaded [url, start ms, duration ms, bytes]:")
    for call in first["api"]:
        print("  ", call)
    # A pod's full name, then nothing: each keystroke changes what matches (one row <-> all).
    names: list[str] = await page.evaluate(
        "() => [...document.querySelectorAll('[role=rowgroup]:last-child [role=row]')]"
        ".slice(0, 3).map((r) => r.querySelector('a')?.textContent?.trim() || '')"
    )
    assert all(names), names
    strokes = []
    for text in [t for name in names for t in (name, "")]:
        ms: float = await page.evaluate(KEYSTROKE_JS, text)
        assert ms >= 0, f"the filter {text!r} never changed the count"
        strokes.append(ms)
    # A pod created in the cluster, until its row shows: kubesim -> agent watch -> journal ->
    # master -> live stream -> the page's cache -> the table (filtered to its name).
    name = "bench-live-0"
    await page.locator(".filters input[type=search]").fill(name)
    await page.wait_for_function(
        f"() => ({ROWS_JS})() === 2 || document.querySelector('.vtable-none') !== null"
    )
    pod = {
        "metadata": {"name": name, "namespace": DEMO_NS},
        "spec": {"containers": [{"name": "main", "image": "registry.local/live:1"}]},
    }
    async with fleet.kube(CLUSTER) as kube:
        t0 = time.perf_counter()
        r = await kube.post(f"/api/v1/namespaces/{DEMO_NS}/pods", json=pod)
        assert r.status_code == 201, r.text
        await page.wait_for_function(f"() => ({ROWS_JS})() === 2", timeout=30_000)
        live_ms = (time.perf_counter() - t0) * 1000
    figures = {
        "pods_first_render_ms": first["at"],
        "pods_longest_task_ms": first["long"],
        "pods_filter_keystroke_ms": statistics.median(strokes),
        "pods_filter_keystroke_worst_ms": max(strokes),
        "pod_change_to_browser_ms": live_ms,
    }
    print(
        f"\nbench: pods page, {PODS} pods: {json.dumps({k: round(v) for k, v in figures.items()})}"
    )
    out = os.environ.get("LOOKOUT_BENCH_OUT")
    if out:
        await asyncio.to_thread(Path(out).write_text, json.dumps(figures))
    await page.locator(".filters input[type=search]").fill("")
    # Every row again, the new pod too.
    await page.wait_for_function(f"() => ({ROWS_JS})() === {total + 1}", timeout=10_000)
