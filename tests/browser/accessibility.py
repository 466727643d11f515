"""axe-core in the page, for every page-test module: the script's source (from
scripts/axe-core.sh's cache; ``LOOKOUT_AXE_JS`` overrides the path) and a run that returns the
violations. axe-core comes from npm, pinned by tests/browser/axe/package-lock.json and installed
outside the repository by scripts/axe-core.sh (make test-bins)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests.browser.conftest import missing_peer

REPO = Path(__file__).resolve().parents[2]
# What axe must not find; "moderate" and "minor" are printed by the tests but do not fail a page.
BLOCKING = ("serious", "critical")


def axe_source_text() -> str:
    if path := os.environ.get("LOOKOUT_AXE_JS"):
        return Path(path).read_text()
    found = subprocess.run(
        [str(REPO / "scripts" / "axe-core.sh"), "--check"], capture_output=True, text=True
    )
    if found.returncode != 0:
        missing_peer(f"axe-core is not installed: run scripts/axe-core.sh ({found.stderr.strip()})")
    return (Path(found.stdout.strip().splitlines()[-1]) / "axe-core" / "axe.min.js").read_text()


async def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Run axe-core in the page. ``evaluate`` is not subject to the page's CSP (script-src
    'self' refuses an injected <script>), so the dashboard runs under its real policy."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(axe_source)
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
            }));
        }"""
    )
    return found


def blocking(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in found if v["impact"] in BLOCKING]
