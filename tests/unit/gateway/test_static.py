"""The dashboard's files at /: which path gets which file (pure), then over HTTP from a real
directory — cache headers, content types, gzip twins, 304s, client-side routes, the API's 404,
refused traversal, and the page saying how to build when there is no build."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path, PurePosixPath

import pytest

from master.gateway.headers import HTML_CSP, JSON_CSP
from master.gateway.static import (
    IMMUTABLE,
    INDEX,
    REVALIDATE,
    ApiNotFound,
    Missing,
    NotBuilt,
    Serve,
    accepts_gzip,
    choose,
    content_type,
    not_modified,
    relative,
)
from master.slo_service.rendering import STYLE_CSP
from tests.unit.gateway.apps import AUTH, DASHBOARD_FIXTURE, client, gateway

JS = "assets/index-B7fQx2Lk.js"
BUILT = frozenset(map(PurePosixPath, ["index.html", JS, "favicon.svg"]))


def spa(path: str, files: frozenset[PurePosixPath] = BUILT) -> object:
    return choose(path, files.__contains__, spa=True)


def test_the_root_and_client_side_routes_get_index_html_revalidated() -> None:
    for path in ("/", "/clusters/edge/pods", "/clusters/edge/nodes/ip-10-0-1-5.ec2.internal"):
        assert spa(path) == Serve(INDEX, REVALIDATE), path
    assert spa("/clusters/") == Serve(INDEX, REVALIDATE)


def test_hashed_assets_are_immutable_and_a_missing_one_is_not_index_html() -> None:
    assert spa("/" + JS) == Serve(PurePosixPath(JS), IMMUTABLE)
    assert spa("/assets/index-gone.js") == Missing()


def test_top_level_build_files_are_served_but_revalidated() -> None:
    assert spa("/favicon.svg") == Serve(PurePosixPath("favicon.svg"), REVALIDATE)


def test_api_paths_are_never_the_dashboard() -> None:
    for path in ("/api", "/api/", "/api/v1/nope", "/api/v2/x", "/metrics", "/metrics/x"):
        assert spa(path) == ApiNotFound(), path
    # Only the whole first segment counts.
    for path in ("/apis", "/metricsx", "/clusters/api"):
        assert spa(path) == Serve(INDEX, REVALIDATE), path


def test_without_index_html_the_dashboard_is_not_built() -> None:
    assert spa("/", frozenset()) == NotBuilt()
    assert spa("/clusters", frozenset({PurePosixPath(JS)})) == NotBuilt()


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/assets/../../master/settings.py",
        "/assets/./x.js",
        "//etc/passwd",
        "/.git/config",
        "/assets/.env",
        "/assets\\..\\x",
        "/a\0b",
        "relative",
    ],
)
def test_paths_that_could_leave_the_directory_name_no_file(path: str) -> None:
    assert relative(path) is None
    assert spa(path) == Missing()


def test_plain_directories_have_no_fallback() -> None:
    files = frozenset({PurePosixPath("swagger-ui.css")})
    assert choose("/swagger-ui.css", files.__contains__, spa=False) == Serve(
        PurePosixPath("swagger-ui.css"), REVALIDATE
    )
    assert choose("/", files.__contains__, spa=False) == Missing()
    assert choose("/index.html", files.__contains__, spa=False) == Missing()


def test_content_types_do_not_depend_on_the_host() -> None:
    assert content_type(PurePosixPath("a/x.js")) == "text/javascript; charset=utf-8"
    assert content_type(PurePosixPath("x.CSS")) == "text/css; charset=utf-8"
    assert content_type(PurePosixPath("f.woff2")) == "font/woff2"
    assert content_type(PurePosixPath("noext")) == "application/octet-stream"


def test_gzip_negotiation_and_etag_comparison() -> None:
    assert accepts_gzip("gzip, deflate, br")
    assert accepts_gzip("br;q=1.0, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("br")
    assert not accepts_gzip("")
    assert not_modified('"abc"', '"x", W/"abc"')
    assert not_modified('"abc"', "*")
    assert not not_modified('"abc"', '"abd"')
    assert not not_modified('"abc"', "")


async def test_index_html_over_http_with_the_strict_policy() -> None:
    async with client(gateway()) as http:
        r = await http.get("/clusters/edge/pods")
        root = await http.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["content-security-policy"] == HTML_CSP
    assert r.text == root.text == (DASHBOARD_FIXTURE / "index.html").read_text()
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        f"style-src 'self' {STYLE_CSP};",  # and the SLO report's one stylesheet, by hash
        "connect-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
    ):
        assert directive in HTML_CSP
    assert "unsafe-inline" not in HTML_CSP


async def test_assets_over_http_are_immutable_with_their_types() -> None:
    async with client(gateway()) as http:
        js = await http.get("/" + JS)
        css = await http.get("/assets/index-Dk3s9aPq.css")
        gone = await http.get("/assets/index-gone.js")
    assert js.status_code == css.status_code == 200
    assert js.headers["cache-control"] == css.headers["cache-control"] == IMMUTABLE
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert js.headers["content-security-policy"] == JSON_CSP
    assert js.content == (DASHBOARD_FIXTURE / JS).read_bytes()
    assert gone.status_code == 404
    assert not gone.headers["content-type"].startswith("text/html")


async def test_a_revalidation_with_the_etag_is_a_304() -> None:
    async with client(gateway()) as http:
        first = await http.get("/")
        again = await http.get("/", headers={"If-None-Match": first.headers["etag"]})
        head = await http.head("/" + JS)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == (DASHBOARD_FIXTURE / JS).stat().st_size


async def test_gzip_twins_go_to_clients_that_accept_gzip(tmp_path: Path) -> None:
    shutil.copytree(DASHBOARD_FIXTURE, tmp_path / "d")
    js = tmp_path / "d" / JS
    (tmp_path / "d" / (JS + ".gz")).write_bytes(gzip.compress(js.read_bytes()))
    async with client(gateway(dashboard_dir=tmp_path / "d")) as http:
        packed = await http.get("/" + JS, headers={"Accept-Encoding": "gzip"})
        plain = await http.get("/" + JS, headers={"Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == js.read_bytes()  # httpx decoded it
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in plain.headers
    assert packed.headers["etag"] != plain.headers["etag"]
    assert packed.headers["content-type"] == plain.headers["content-type"]


async def test_unknown_api_paths_answer_the_api_404_json() -> None:
    async with client(gateway()) as http:
        for method, path in (("GET", "/api/v1/nope"), ("GET", "/api"), ("POST", "/api/v9/x")):
            r = await http.request(method, path, headers=AUTH)
            assert r.status_code == 404, path
            assert r.headers["content-type"] == "application/json"
            assert r.json()["error"] == "not_found"
        posted = await http.post("/clusters")
    assert posted.status_code == 405
    assert posted.json()["error"] == "method_not_allowed"


async def test_a_symlink_out_of_the_directory_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("not for you")
    served = tmp_path / "d"
    shutil.copytree(DASHBOARD_FIXTURE, served)
    (served / "assets" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    async with client(gateway(dashboard_dir=served)) as http:
        leak = await http.get("/assets/leak.txt")
        dotdot = await http.get("/assets/%2e%2e/%2e%2e/secret.txt")
    assert leak.status_code == dotdot.status_code == 404
    assert "not for you" not in leak.text + dotdot.text


async def test_without_a_build_the_root_says_how_to_build_and_the_api_works(
    tmp_path: Path,
) -> None:
    async with client(gateway(dashboard_dir=tmp_path / "none")) as http:
        page = await http.get("/")
        deep = await http.get("/clusters/edge")
        api = await http.get("/api/v1/clusters", headers=AUTH)
        health = await http.get("/healthz")
    assert page.status_code == deep.status_code == 404
    assert "scripts/build-dashboard.sh" in page.text
    assert "MASTER_DASHBOARD_DIR" in page.text
    assert page.headers["content-type"].startswith("text/plain")
    assert api.status_code == health.status_code == 200
