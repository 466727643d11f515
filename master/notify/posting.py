"""The one HTTP POST every web channel (Slack, Teams, webhook, Alertmanager) goes through:
destination checked by ``safety`` first, a timeout on the whole request, no redirects, at most
``max_response_bytes`` of the answer read, and every failure turned into ``SendFailed``.

httpx is imported here only (and in the gateway's OIDC client), so the client's configuration
is in one place. A non-2xx answer is a failure whose permanence ``delivery`` decides."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

import httpx

from master.notify.errors import SendFailed, UnsafeDestination
from master.notify.safety import OutboundPolicy, Resolver, check_url, pin, system_resolver

# The client type the channels' SendContext carries, so httpx stays imported here only.
HttpClient = httpx.AsyncClient
USER_AGENT = "Lookout-notify/1"
# Sent with every web notification; the same value is in the payload where the format has room.
IDEMPOTENCY_HEADER = "X-Lookout-Idempotency-Key"


def new_client(*, verify: ssl.SSLContext | bool = True) -> HttpClient:
    """The client every web channel should share (one pool; making one costs a CA bundle
    load): no redirects, no proxy settings from the environment."""
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, verify=verify)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A rendered web notification: what ``render`` returns and ``send`` posts."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"

    def __repr__(self) -> str:
        # The URL of a Slack or Teams webhook is its credential: never print it.
        return f"HttpRequest(method={self.method!r}, url=<hidden>, body={len(self.body)} bytes)"


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes  # at most the policy's max_response_bytes
    truncated: bool


async def post(
    request: HttpRequest,
    policy: OutboundPolicy,
    *,
    client: httpx.AsyncClient | None = None,
    resolver: Resolver = system_resolver,
) -> HttpAnswer:
    """Sends ``request``; returns the answer when it is 2xx, raises SendFailed otherwise."""
    try:
        addresses = await check_url(request.url, policy, resolver=resolver)
    except UnsafeDestination as e:
        raise SendFailed(str(e), permanent=True) from e
    # Plain http connects to the address just checked, not to what the name resolves to next.
    pinned = pin(request.url, addresses[0])
    own = client is None
    http = client or new_client()
    headers = {"User-Agent": USER_AGENT, **request.headers}
    if pinned.host_header is not None:
        headers["Host"] = pinned.host_header
    try:
        async with asyncio.timeout(policy.timeout_s):
            async with http.stream(
                request.method,
                pinned.url,
                content=request.body,
                headers=headers,
                follow_redirects=False,
                timeout=policy.timeout_s,
            ) as response:
                body, truncated = await _read_capped(response, policy.max_response_bytes)
    except TimeoutError as e:
        raise SendFailed(f"no answer within {policy.timeout_s:g} s") from e
    except httpx.HTTPError as e:
        # The message names host and port at most; it never carries the URL's path or query.
        raise SendFailed(f"{type(e).__name__}: {e}") from e
    finally:
        if own:
            await http.aclose()
    if not 200 <= response.status_code < 300:
        excerpt = body[:200].decode("utf-8", "replace").strip()
        raise SendFailed(
            f"HTTP {response.status_code}: {excerpt}"
            if excerpt
            else f"HTTP {response.status_code}",
            status=response.status_code,
            retry_after=response.headers.get("retry-after"),
        )
    return HttpAnswer(response.status_code, body, truncated)


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        room = limit - size
        if len(chunk) >= room:
            chunks.append(chunk[:room])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False
