"""A real OpenID Connect provider (tests/oidc/provider.mjs, oidc-provider from the cache that
scripts/oidc-provider.sh fills) and a browser made of httpx: cookies kept per origin (Secure
ones too: everything here is plain HTTP on loopback), redirects followed by hand, and the
provider's dev login and consent forms filled in."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
CLIENT_ID = "lookout-test"
CLIENT_SECRET = "lookout-test-client-secret-0123456789"
CALLBACK_PATH = "/api/v1/auth/oidc/callback"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def provider_modules() -> str:
    """The cached node_modules, or a skip saying how to get them (CI fails on skips)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the SSO tests need it for the OIDC provider")
    found = subprocess.run(
        [REPO / "scripts" / "oidc-provider.sh", "--check"], capture_output=True, text=True
    )
    if found.returncode != 0:
        pytest.skip(f"oidc-provider is not installed: {found.stderr.strip()}")
    return found.stdout.strip().splitlines()[-1]


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[str]


@contextlib.contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    env = os.environ | {
        "OIDC_NODE_MODULES": provider_modules(),
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
    }
    process = subprocess.Popen(
        ["node", str(REPO / "tests" / "oidc" / "provider.mjs")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the provider prints it within a second or exits
        match = re.fullmatch(r"ready (\d+)\n", line)
        assert match, f"the OIDC provider did not start: {line!r} (exit {process.poll()})"
        yield Provider(f"http://127.0.0.1:{match.group(1)}", process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Browser:
    http: httpx.AsyncClient
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)  # origin -> name -> value
    visited: list[str] = field(default_factory=list)

    def _keep(self, url: str, response: httpx.Response) -> None:
        jar = self.cookies.setdefault(_origin(url), {})
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                gone = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if gone or not morsel.value:
                    jar.pop(name, None)
                else:
                    jar[name] = morsel.value

    async def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kw: object
    ) -> httpx.Response:
        jar = self.cookies.get(_origin(url), {})
        sent = dict(headers or {})
        if jar:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        # The shared client would keep cookies of its own (and mix browsers): this jar only.
        self.http.cookies.clear()
        r = await self.http.request(method, url, headers=sent, **kw)  # type: ignore[arg-type]
        self.http.cookies.clear()
        self.visited.append(url)
        self._keep(url, r)
        return r

    async def follow(
        self, url: str, *, account: str, stop: Callable[[str], bool]
    ) -> tuple[str, httpx.Response]:
        """GET ``url`` and follow redirects, signing in as ``account`` and consenting at the
        provider's forms, until a redirect's target satisfies ``stop`` (returned, not followed)
        or a page that is not a form answers."""
        r = await self.request("GET", url)
        for _ in range(20):
            if r.is_redirect:
                url = urljoin(url, r.headers["location"])
                if stop(url):
                    return url, r
                r = await self.request("GET", url)
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"', r.text)
            prompt = re.search(r'name="prompt" value="(\w+)"', r.text)
            if r.status_code != 200 or form is None or prompt is None:
                return url, r
            fields = {"prompt": prompt.group(1)}
            if prompt.group(1) == "login":
                fields |= {"login": account, "password": "any password will do"}
            url = urljoin(url, form.group(1))
            r = await self.request("POST", url, data=fields)
        raise AssertionError(f"too many redirects: {self.visited[-5:]}")
