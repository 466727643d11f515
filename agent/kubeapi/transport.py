"""① The agent's connection to the Kubernetes API server: credentials, TLS, raw bytes over aiohttp.

Owns: loading the connection settings (an explicit kubeconfig/context, else the in-cluster
service account, else ``~/.kube/config``) through the ``kubernetes`` package, turning them into
a TLS context and auth headers, and the raw calls every agent part makes -- ``get`` (one JSON
document as bytes), ``lines`` (a watch stream split into JSON lines), ``send`` (one write:
leader election's Lease create/replace) and ``exchange`` (one request answered whatever its
status: the command client). Non-2xx answers become the exceptions of
``agent.kubeapi.errors``; connection failures ``KubeConnectionError``.

Deliberately does not own: URL paths (``agent.kubeapi.paths``), parsing (callers use orjson on
the bytes), retries and backoff (the callers decide), or any model classes -- the client's
models cost far more CPU per event than orjson, so no agent path touches them.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import orjson

from agent.kubeapi.errors import KubeConnectionError, KubeError, status_error

if TYPE_CHECKING:
    # At run time ``kubernetes`` is imported only inside the function that loads the
    # configuration: the package's ``__init__`` imports its config loaders (requests,
    # oauthlib, google-auth, yaml...), a large share of the agent's start-up imports, and
    # modules that only need ``KubeAccess`` as a type should not pay for it.
    from kubernetes import client as k8s_client

log = logging.getLogger(__name__)

# A connect that takes longer than this is a dead or unroutable API server, not a slow one.
CONNECT_TIMEOUT_S = 10.0
# How long computed auth headers are reused. client-go re-reads a projected token file every
# minute; a rotated token stays valid for a while after rotation, so 10 s is well inside that.
AUTH_TTL_S = 10.0
# How long closing waits for TLS connections still exchanging close_notify; a peer that never
# answers would otherwise hold shutdown for the ssl_shutdown_timeout (30 s). What is still
# closing then is aborted, so no socket outlives the access however slow the peer (or loop).
CLOSE_WAIT_S = 2.0
ABORT_WAIT_S = 0.5  # an abort needs only a loop turn or two


def load_configuration(
    *, kubeconfig: Path | None = None, context: str | None = None
) -> k8s_client.Configuration:
    """Blocking (reads files, may run an exec plugin): call before the loop or in a thread.

    An explicit ``kubeconfig`` wins; otherwise the in-cluster service account, then the
    client's default (``$KUBECONFIG`` or ``~/.kube/config``) with ``context``."""
    from kubernetes import client as k8s_client  # lazily: see the TYPE_CHECKING import
    from kubernetes import config as k8s_config

    # The loaders are untyped in the client; pin the signatures we rely on.
    _load_kube_config: Callable[..., None] = k8s_config.load_kube_config
    _load_incluster_config: Callable[..., None] = k8s_config.load_incluster_config
    cfg = k8s_client.Configuration()
    try:
        if kubeconfig is not None:
            _load_kube_config(
                config_file=str(kubeconfig), context=context, client_configuration=cfg
            )
            return cfg
        try:
            _load_incluster_config(client_configuration=cfg)
            return cfg
        except k8s_config.ConfigException:
            _load_kube_config(context=context, client_configuration=cfg)
            return cfg
    except (k8s_config.ConfigException, OSError) as e:
        raise KubeError(f"no usable Kubernetes configuration: {e}") from e


def _ssl_context(cfg: k8s_client.Configuration) -> ssl.SSLContext | bool:
    if not cfg.host.startswith("https"):
        return False
    if not cfg.verify_ssl:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert or None)
    if cfg.cert_file:
        ctx.load_cert_chain(cfg.cert_file, cfg.key_file or None)
    return ctx


class KubeAccess:
    """One API server connection pool. Use as ``async with KubeAccess(cfg) as kube:``."""

    def __init__(self, configuration: k8s_client.Configuration) -> None:
        self.configuration = configuration
        self._base = configuration.host.rstrip("/")
        self._ssl = _ssl_context(configuration)
        self._session: aiohttp.ClientSession | None = None
        self._auth: tuple[float, dict[str, str]] | None = None  # (monotonic expiry, headers)
        # Watches that ended early close their connection instead of pooling it; over TLS the
        # socket closes only after the close_notify exchange, which the connector no longer
        # tracks. Their `closed` futures are kept here so that leaving `async with` waits for
        # them and no socket outlives the access (or the event loop that owns it). The
        # transport is kept beside each: aiohttp forgets it once closing has begun, and it is
        # what an overdue close is aborted through.
        self._closing: dict[asyncio.Future[None], asyncio.BaseTransport] = {}

    @classmethod
    def from_files(
        cls, *, kubeconfig: Path | None = None, context: str | None = None
    ) -> KubeAccess:
        return cls(load_configuration(kubeconfig=kubeconfig, context=context))

    async def __aenter__(self) -> KubeAccess:
        # limit=0: one connection per informer (~22 long-lived watches) plus list calls; the
        # API server is the only peer, so a per-host cap would only queue our own watches.
        connector = aiohttp.TCPConnector(ssl=self._ssl, limit=0)
        self._session = aiohttp.ClientSession(
            connector=connector, json_serialize=lambda o: orjson.dumps(o).decode()
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=CLOSE_WAIT_S)
        aborted = []
        for closed, transport in list(self._closing.items()):
            if not closed.done() and isinstance(transport, asyncio.WriteTransport):
                log.debug("aborting a TLS close the API server did not finish in time")
                transport.abort()
                aborted.append(closed)
        if aborted:  # abort closes the socket on the loop's next turn, with connection_lost
            await asyncio.wait(aborted, timeout=ABORT_WAIT_S)
        self._closing.clear()

    async def _headers(self) -> dict[str, str]:
        # auth_settings() runs the refresh hook (in-cluster token re-read, exec plugins), which
        # may block, so it runs in a thread; its answer is kept AUTH_TTL_S so that commands
        # (several calls each) do not pay a thread hop per call.
        now = time.monotonic()
        if self._auth is not None and now < self._auth[0]:
            return dict(self._auth[1])
        headers = await self._fresh_headers()
        self._auth = (now + AUTH_TTL_S, headers)
        return dict(headers)

    async def _fresh_headers(self) -> dict[str, str]:
        raw_auth: object = await asyncio.to_thread(self.configuration.auth_settings)
        auth = cast("Mapping[str, Mapping[str, Any]]", raw_auth)
        headers = {"Accept": "application/json", "User-Agent": "lookout-agent"}
        for setting in auth.values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[str(setting["key"])] = str(setting["value"])
        if "authorization" not in {k.lower() for k in headers} and self.configuration.username:
            pair = f"{self.configuration.username}:{self.configuration.password or ''}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        return headers

    def _request_kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        if self.configuration.proxy:
            kw["proxy"] = self.configuration.proxy
        if self.configuration.tls_server_name:
            kw["server_hostname"] = self.configuration.tls_server_name
        return kw

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("KubeAccess used outside 'async with'")
        return self._session

    async def get(self, path: str, params: Mapping[str, str], *, timeout_s: float) -> bytes:
        """GET one JSON document; returns the raw body. Raises KubeStatusError on non-2xx."""
        return await self._request("GET", path, timeout_s=timeout_s, params=params)

    async def send(self, method: str, path: str, body: bytes, *, timeout_s: float) -> bytes:
        """One write (``POST``, ``PUT``, ``PATCH`` ...) of a JSON ``body``; returns the raw
        response body. Raises KubeStatusError on non-2xx (409: a stale resourceVersion or an
        object that already exists), KubeConnectionError when no answer came."""
        return await self._request(method, path, timeout_s=timeout_s, body=body)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        timeout_s: float,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> bytes:
        status, answer = await self.exchange(
            method, path, params=params, body=body, timeout_s=timeout_s
        )
        if status >= 300:
            raise status_error(status, answer)
        return answer

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        timeout_s: float,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
        accept: str = "application/json",
    ) -> tuple[int, bytes]:
        """One request; ``(status, body)`` whatever the status, for callers that need every
        answer's status (the command client, whose benchmark times each exchange). Raises
        KubeConnectionError when no answer came."""
        session = self._require_session()
        timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=CONNECT_TIMEOUT_S)
        headers = await self._headers()
        headers["Accept"] = accept
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            async with session.request(
                method,
                self._base + path,
                params=params,
                data=body,
                headers=headers,
                timeout=timeout,
                **self._request_kwargs(),
            ) as resp:
                return resp.status, await resp.read()
        except (aiohttp.ClientError, TimeoutError, ssl.SSLError) as e:
            raise KubeConnectionError(f"{method} {path}: {e!r}") from e

    @asynccontextmanager
    async def lines(
        self, path: str, params: Mapping[str, str], *, read_timeout_s: float
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a streaming GET (a watch) and yield an iterator of its newline-separated
        documents. ``read_timeout_s`` bounds the silence between chunks (bookmarks arrive
        about once a minute, so pick more than that or rely on the server's timeoutSeconds)."""
        session = self._require_session()
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=CONNECT_TIMEOUT_S, sock_read=read_timeout_s
        )
        try:
            async with session.get(
                self._base + path,
                params=params,
                headers=await self._headers(),
                timeout=timeout,
                **self._request_kwargs(),
            ) as resp:
                self._track_close(resp)
                if resp.status >= 300:
                    raise status_error(resp.status, await resp.read())
                yield _split_lines(resp.content)
        except (aiohttp.ClientError, TimeoutError, ssl.SSLError) as e:
            raise KubeConnectionError(f"watch {path}: {e!r}") from e

    def _track_close(self, resp: aiohttp.ClientResponse) -> None:
        protocol = resp.connection.protocol if resp.connection is not None else None
        if protocol is None or protocol.transport is None:
            return
        closed = protocol.closed
        if closed is not None and not closed.done():
            self._closing[closed] = protocol.transport
            closed.add_done_callback(lambda f: self._closing.pop(f, None))


async def _split_lines(stream: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    # Not StreamReader.readline(): it refuses lines past 128 KiB, and a ConfigMap or a big
    # CRD-laden object can be larger. Split the raw chunks ourselves.
    pending = bytearray()
    async for chunk in stream.iter_any():
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            if pending:
                pending += chunk[start:nl]
                line = bytes(pending)
                pending.clear()
            else:
                line = chunk[start:nl]
            if line.strip():
                yield line
            start = nl + 1
        pending += chunk[start:]
    if pending.strip():
        yield bytes(pending)
