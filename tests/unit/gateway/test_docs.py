"""/api/docs is Swagger UI from the master's own files: no CDN in the page, its inline script
under a per-answer nonce that its policy names (never 'unsafe-inline'), and without the files a
page saying how to install them. The browser half (tests/browser) proves it renders offline."""

from __future__ import annotations

import re
from pathlib import Path

from master.gateway.docs import ASSETS_PATH, CSS, ICON, JS
from master.gateway.headers import HTML_CSP
from tests.unit.gateway.apps import client, gateway


def swagger_files(root: Path) -> Path:
    root.mkdir()
    (root / JS).write_text("window.SwaggerUIBundle = function () {};\n")
    (root / CSS).write_text(".swagger-ui { color: black }\n")
    (root / ICON).write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


async def test_the_page_loads_only_the_masters_copies_under_a_nonce(tmp_path: Path) -> None:
    async with client(gateway(docs_assets_dir=swagger_files(tmp_path / "s"))) as http:
        first = await http.get("/api/docs")
        second = await http.get("/api/docs")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    html = first.text
    assert "cdn.jsdelivr.net" not in html and "fastapi.tiangolo.com" not in html
    assert f'src="{ASSETS_PATH}/{JS}"' in html
    assert f'href="{ASSETS_PATH}/{CSS}"' in html
    assert '"validatorUrl": null' in html
    csp = first.headers["content-security-policy"]
    (nonce,) = re.findall(r"'nonce-([A-Za-z0-9_-]+)'", csp)
    assert html.count(f'<script nonce="{nonce}">') == 1  # the initialisation, nothing else
    assert "<script>" not in html
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert csp == HTML_CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'")
    assert second.headers["content-security-policy"] != csp  # fresh per answer


async def test_its_assets_are_served_with_their_types(tmp_path: Path) -> None:
    async with client(gateway(docs_assets_dir=swagger_files(tmp_path / "s"))) as http:
        js = await http.get(f"{ASSETS_PATH}/{JS}")
        css = await http.get(f"{ASSETS_PATH}/{CSS}")
        icon = await http.get(f"{ASSETS_PATH}/{ICON}")
        other = await http.get(f"{ASSETS_PATH}/package.json")
        escape = await http.get(f"{ASSETS_PATH}/..%2F..%2Fsettings.py")
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert icon.headers["content-type"] == "image/png"
    assert js.headers["cache-control"] == "no-cache"
    assert "etag" in js.headers
    assert other.status_code == escape.status_code == 404


async def test_the_docs_schema_stays_out_of_the_openapi_document(tmp_path: Path) -> None:
    async with client(gateway(docs_assets_dir=swagger_files(tmp_path / "s"))) as http:
        doc = (await http.get("/api/openapi.json")).json()
    assert not [p for p in doc["paths"] if p.startswith("/api/docs")]


async def test_without_the_files_the_page_says_how_to_install_them(tmp_path: Path) -> None:
    async with client(gateway(docs_assets_dir=tmp_path / "missing")) as http:
        r = await http.get("/api/docs")
    assert r.status_code == 404
    assert "scripts/build-dashboard.sh" in r.text
