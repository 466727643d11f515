"""⑧ Talking to the OpenID Connect provider: its discovery document and JWKS (cached, the JWKS
refetched once when a token names a key it lacks) and the token exchange (the code, the PKCE
verifier, and the client's credentials with ``client_secret_basic``).

Owns the network and the caches; deciding whether what came back holds is
``master.auth.oidc`` (pure). Every call has a timeout. Errors are wrapped once here: the
provider unreachable, slow or answering garbage -> ``Unavailable`` (503: nothing the user did);
the provider refusing the code -> ``OidcRefused`` (401). The routes audit both.

One ``httpx.AsyncClient`` per operation rather than one for the process: a login makes two or
three calls, rarely, and a client that lives with no owner would need closing at shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx

from master.auth.oidc import OidcRefused, Provider, UnknownKey, provider_from, verify_id_token
from master.gateway.errors import Unavailable


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """What the master's settings say about SSO (built by the composition root)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str
    scopes: tuple[str, ...]
    groups_claim: str = "groups"
    username_claim: str = "preferred_username"
    allowed_groups: tuple[str, ...] = ()
    auto_create: bool = True
    timeout_s: float = 10.0
    metadata_ttl_s: float = 3600.0


@dataclass(frozen=True, slots=True)
class _Cached:
    value: Any
    fetched_s: float


class OidcClient:
    def __init__(self, config: OidcConfig, *, transport: httpx.AsyncBaseTransport | None = None):
        self.config = config
        self._transport = transport  # tests: an httpx.MockTransport
        self._provider: _Cached | None = None
        self._jwks: _Cached | None = None
        self._lock = asyncio.Lock()  # one refetch at a time, not one per waiting login

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.config.timeout_s, transport=self._transport, follow_redirects=False
        )

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                r = await http.get(url, headers={"Accept": "application/json"})
                r.raise_for_status()
                doc = r.json()
        except (httpx.HTTPError, ValueError) as e:
            raise Unavailable(f"the SSO provider's {what} cannot be fetched: {e}") from e
        if not isinstance(doc, dict):
            raise Unavailable(f"the SSO provider's {what} is not a JSON object")
        return doc

    def _fresh(self, cached: _Cached | None) -> bool:
        return (
            cached is not None and time.monotonic() - cached.fetched_s < self.config.metadata_ttl_s
        )

    async def provider(self) -> Provider:
        if self._fresh(self._provider):
            assert self._provider is not None
            found: Provider = self._provider.value
            return found
        async with self._lock:
            if not self._fresh(self._provider):
                url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                doc = await self._get_json(url, "discovery document")
                try:
                    value = provider_from(doc, issuer=self.config.issuer)
                except OidcRefused as e:  # a misconfigured provider: not the user's fault
                    raise Unavailable(f"SSO is misconfigured: {e}") from e
                self._provider = _Cached(value, time.monotonic())
            assert self._provider is not None
            fetched: Provider = self._provider.value
            return fetched

    async def _keys(self, provider: Provider, *, refetch: bool) -> Mapping[str, Any]:
        async with self._lock:
            if refetch or not self._fresh(self._jwks):
                doc = await self._get_json(provider.jwks_uri, "JWKS")
                self._jwks = _Cached(doc, time.monotonic())
            assert self._jwks is not None
            keys: Mapping[str, Any] = self._jwks.value
            return keys

    async def verify(self, id_token: str, *, nonce: str, now_s: float) -> dict[str, Any]:
        """The ID token's claims; a key the cached JWKS lacks refetches it once."""
        provider = await self.provider()
        keys = await self._keys(provider, refetch=False)
        for last in (False, True):
            try:
                return verify_id_token(
                    id_token,
                    provider=provider,
                    jwks=keys,
                    client_id=self.config.client_id,
                    nonce=nonce,
                    now_s=now_s,
                )
            except UnknownKey:
                if last:
                    raise
                keys = await self._keys(provider, refetch=True)
        raise AssertionError("unreachable")

    async def exchange(self, code: str, *, verifier: str) -> str:
        """The ID token the provider issues for ``code``."""
        provider = await self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_url,
            "code_verifier": verifier,
        }
        # client_secret_basic: RFC 6749 §2.3.1 wants both parts form-urlencoded first.
        auth = httpx.BasicAuth(_form(self.config.client_id), _form(self.config.client_secret))
        try:
            async with self._http() as http:
                r = await http.post(provider.token_endpoint, data=form, auth=auth)
                body = r.json() if r.content else {}
        except (httpx.HTTPError, ValueError) as e:
            raise Unavailable(f"the SSO provider's token endpoint failed: {e}") from e
        if not isinstance(body, dict):
            raise Unavailable("the SSO provider's token endpoint answered no JSON object")
        if r.status_code != httpx.codes.OK:
            error = body.get("error", r.status_code)
            if r.status_code >= 500 or error == "invalid_client":
                raise Unavailable(f"the SSO provider refused the exchange: {error}")
            raise OidcRefused(f"the SSO provider refused the code: {error}")
        token = body.get("id_token")
        if not isinstance(token, str) or not token:
            raise OidcRefused("the SSO provider returned no ID token")
        return token


def _form(value: str) -> str:
    return quote_plus(value)
