"""Browser tests: real Chromium (Debian's ``chromium`` package, ``/usr/bin/chromium``) driven by
Playwright through ``executable_path`` — never ``playwright install``, whose browser download is
not reachable here. ``scripts/system-deps.sh`` (run by ``make test``) installs it with the Noto
CJK fonts, so 中文 and 日本語 render as glyphs.

Fixtures, for every test in this folder:

* ``site``: a running master (real gRPC and HTTP on port 0, SQLite, logins on: user ``admin``
  with ``ADMIN_PASSWORD``) serving ``dashboard_dir`` at ``/`` — by default a copy of the
  stand-in build in ``fixtures/dashboard`` with the gzip twins the build script would add; a
  module overrides the ``dashboard_dir`` fixture to serve another build.
* ``built_dashboard``: the real build in the package, for page tests to serve by overriding
  ``dashboard_dir`` (skips, or fails in CI, when scripts/build-dashboard.sh has not run).
* ``fleet``: a ``lookout demo``-style fleet (tests/browser/demo.py): kubesim with two simulated
  clusters and their scripted incidents, a master serving ``dashboard_dir``, one agent process
  per cluster. A page-test module overrides ``dashboard_dir`` with ``built_dashboard`` and
  ``site`` with ``fleet_site`` so ``page`` and ``watch`` guard the fleet's master.
* ``browser``: headless Chromium, one per test.
* ``page`` (with ``watch``): a fresh context and page on which every request to an origin other
  than the master's is aborted and recorded. At teardown the test fails if any such request was
  attempted, if the page reported a Content-Security-Policy violation (the listener is injected
  by the browser, outside the page's CSP) or if a script threw uncaught. Console errors are
  recorded in ``watch.console_errors`` for tests to assert on.

Every test here carries the ``browser`` marker (``pytestmark``); without Chromium such a test
skips with how to install it, except with ``CI=true`` or ``LOOKOUT_REQUIRE_BROWSER=1``, where
it fails: CI must not go green by skipping its browser."""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    async_playwright,
)
from playwright.async_api import Response as PageResponse

from master.gateway.docs import JS, SWAGGER_DIR
from master.gateway.static import DASHBOARD_DIR
from tests.harness import RunningMaster, master_settings, running_master
from tests.required import required

if TYPE_CHECKING:
    from tests.browser.demo import Fleet

HERE = Path(__file__).resolve().parent
FIXTURE_DASHBOARD = HERE / "fixtures" / "dashboard"
CHROMIUM = Path(os.environ.get("LOOKOUT_CHROMIUM", "/usr/bin/chromium"))
JWT_SECRET = "browser-jwt-secret-" + "0123456789abcdef" * 3
ADMIN_PASSWORD = "correct horse battery staple"
# What the build script gzips (scripts/build-dashboard.sh: precompress).
GZIPPED = (".html", ".js", ".css", ".svg", ".json")
# Chromium as root in a container has no user namespaces for its sandbox.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-dev-shm-usage")


def _required() -> bool:
    return required("browser")


def missing_peer(message: str) -> None:
    """Skip with ``message``, or fail where the peer is required (CI)."""
    if _required():
        pytest.fail(f"{message} (CI=true / LOOKOUT_REQUIRE_BROWSER=1: not skipping)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _chromium_present(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser") is None:
        return
    if not os.access(CHROMIUM, os.X_OK):
        missing_peer(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/system-deps.sh, run by "
            "make test) or point LOOKOUT_CHROMIUM at a Chromium"
        )


@pytest.fixture
def swagger_assets() -> Path:
    """The Swagger UI files the package serves at /api/docs (scripts/build-dashboard.sh)."""
    if not (SWAGGER_DIR / JS).is_file():
        missing_peer(
            f"{SWAGGER_DIR} has no Swagger UI: run scripts/build-dashboard.sh (make test does)"
        )
    return SWAGGER_DIR


@pytest.fixture
def dashboard_dir(tmp_path: Path) -> Path:
    """The stand-in build, with the gzip twins a real build gets, so Chromium decodes them."""
    served = tmp_path / "dashboard"
    shutil.copytree(FIXTURE_DASHBOARD, served)
    for path in list(served.rglob("*")):
        if path.suffix in GZIPPED:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 9))
    return served


@pytest.fixture
def built_dashboard() -> Path:
    """The real dashboard build in the package (scripts/build-dashboard.sh, run by make test).
    A module of page tests serves it by overriding ``dashboard_dir`` to return this."""
    if not (DASHBOARD_DIR / "index.html").is_file():
        missing_peer(
            f"{DASHBOARD_DIR} has no build: run scripts/build-dashboard.sh (make test does)"
        )
    return DASHBOARD_DIR


@dataclass
class Site:
    master: RunningMaster
    base_url: str
    admin_password: str = ADMIN_PASSWORD

    @property
    def origin(self) -> str:
        return self.base_url


@pytest.fixture
async def site(tmp_path: Path, dashboard_dir: Path) -> AsyncIterator[Site]:
    settings = master_settings(
        tmp_path / "m",
        jwt_secret=JWT_SECRET,
        bootstrap_admin_password=ADMIN_PASSWORD,
        dashboard_dir=dashboard_dir,
    )
    async with running_master(settings) as m:
        yield Site(m, f"http://127.0.0.1:{m.master.http_port}")


def fleet_with(**options: Any) -> Any:
    """A ``fleet`` fixture started with ``running_fleet``'s options (``pods=``,
    ``agent_env=``): a module that needs another fleet says ``fleet = fleet_with(pods=5000)``."""

    async def fleet(tmp_path: Path, dashboard_dir: Path) -> AsyncIterator[Fleet]:
        from tests.browser.demo import running_fleet  # it uses this module's constants

        async with running_fleet(
            tmp_path,
            dashboard_dir=dashboard_dir,
            jwt_secret=JWT_SECRET,
            admin_password=ADMIN_PASSWORD,
            **options,
        ) as f:
            yield f

    return pytest.fixture(name="fleet")(fleet)


fleet = fleet_with()


def fleet_site(fleet: Fleet) -> Site:
    """The ``site`` of a module that runs a fleet: ``site = pytest.fixture(fleet_site)``."""
    return Site(fleet.master, fleet.base_url)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            await chromium.close()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Watch:
    """What a page did that a test may not allow, or may want to look at."""

    origin: str
    blocked: list[str] = field(default_factory=list)  # off-origin requests, aborted
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions
    console_errors: list[str] = field(default_factory=list)
    responses: list[PageResponse] = field(default_factory=list)

    def response(self, path: str) -> PageResponse:
        """The (last) answer the page got for ``path`` on the master."""
        found = [r for r in self.responses if urlsplit(r.url).path == path]
        assert found, f"the page never requested {path}: {[r.url for r in self.responses]}"
        return found[-1]


# Injected by the browser into every document before its own scripts; outside its CSP.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__lookoutCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
});
"""


async def _guarded_context(browser: Browser, watch: Watch) -> BrowserContext:
    context = await browser.new_context(base_url=watch.origin, locale="en-US")

    async def guard(route: Route, request: Request) -> None:
        if origin_of(request.url) == watch.origin:
            await route.continue_()
        else:
            watch.blocked.append(request.url)
            await route.abort("blockedbyclient")

    def violation(text: str) -> None:
        watch.csp_violations.append(text)

    await context.route("**/*", guard)
    await context.expose_function("__lookoutCspViolation", violation)
    await context.add_init_script(_CSP_LISTENER)
    return context


@pytest.fixture
def watch(site: Site) -> Watch:
    return Watch(origin=site.origin)


@pytest.fixture
async def page(browser: Browser, watch: Watch) -> AsyncIterator[Page]:
    context = await _guarded_context(browser, watch)
    tab = await context.new_page()
    tab.on("pageerror", lambda e: watch.page_errors.append(str(e)))

    def console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        watch.console_errors.append(message.text)
        if "Content Security Policy" in message.text:  # also those no event reports (workers)
            watch.csp_violations.append(message.text)

    tab.on("console", console)
    tab.on("response", lambda r: watch.responses.append(r))
    try:
        yield tab
    finally:
        await context.close()
    assert not watch.blocked, f"the page tried to reach outside the master: {watch.blocked}"
    assert not watch.csp_violations, f"CSP violations: {watch.csp_violations}"
    assert not watch.page_errors, f"uncaught errors in the page: {watch.page_errors}"
