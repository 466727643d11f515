"""The OIDC client shell over a mock transport: discovery and the JWKS cached, the JWKS
refetched once for a key it lacks, the code exchanged with client_secret_basic and the PKCE
verifier, and each way the provider can fail wrapped once (503 for the provider's fault,
401 for a refused code). Also the SSO settings refuse a half-configured provider."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import ValidationError

from master.auth.oidc import OidcRefused, UnknownKey
from master.gateway.errors import Unavailable
from master.gateway.oidc_client import OidcClient, OidcConfig
from master.settings import OidcSettings
from tests.unit.auth.test_oidc import EC_PEM, JWKS, NONCE, NOW, RSA_PEM, claims, public_jwk, signed

ISSUER = "https://idp.example"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "id_token_signing_alg_values_supported": ["RS256", "ES256"],
}
CONFIG = OidcConfig(
    issuer=ISSUER,
    client_id="lookout",
    client_secret="s3cret:with/odd chars",
    redirect_url="https://lookout.example/api/v1/auth/oidc/callback",
    scopes=("openid",),
)


class FakeProvider:
    def __init__(self) -> None:
        self.jwks: dict[str, Any] = {"keys": [JWKS["keys"][0]]}
        self.calls: list[str] = []
        self.token_answer: tuple[int, Any] = (200, {"id_token": "tok"})
        self.seen_token_request: httpx.Request | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(path)
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=DISCOVERY)
        if path == "/jwks":
            return httpx.Response(200, json=self.jwks)
        if path == "/token":
            self.seen_token_request = request
            status, body = self.token_answer
            return httpx.Response(status, json=body)
        return httpx.Response(404)


def client(fake: FakeProvider) -> OidcClient:
    return OidcClient(CONFIG, transport=httpx.MockTransport(fake))


async def test_discovery_and_keys_are_fetched_once_and_cached() -> None:
    fake = FakeProvider()
    oidc = client(fake)
    for _ in range(3):
        got = await oidc.verify(signed(claims()), nonce=NONCE, now_s=NOW)
        assert got["sub"] == "u-1"
    assert fake.calls == ["/.well-known/openid-configuration", "/jwks"]


async def test_a_rotated_key_refetches_the_jwks_once_then_refuses() -> None:
    fake = FakeProvider()
    oidc = client(fake)
    await oidc.provider()
    await oidc.verify(signed(claims()), nonce=NONCE, now_s=NOW)
    fake.jwks = {"keys": [public_jwk(EC_PEM, "ES256", "new")]}  # the provider rotated
    token = signed(claims(), pem=EC_PEM, alg="ES256", kid="new")
    assert await oidc.verify(token, nonce=NONCE, now_s=NOW)
    assert fake.calls.count("/jwks") == 2
    stranger = signed(claims(), pem=RSA_PEM, kid="nobody")
    with pytest.raises(UnknownKey):
        await oidc.verify(stranger, nonce=NONCE, now_s=NOW)
    assert fake.calls.count("/jwks") == 3  # one refetch per token, not a loop


async def test_the_code_is_exchanged_with_basic_auth_and_the_verifier() -> None:
    fake = FakeProvider()
    assert await client(fake).exchange("the-code", verifier="the-verifier") == "tok"
    request = fake.seen_token_request
    assert request is not None
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": CONFIG.redirect_url,
        "code_verifier": "the-verifier",
    }
    user, _, password = (
        base64.b64decode(request.headers["authorization"][6:]).decode().partition(":")
    )
    assert (user, password) == ("lookout", "s3cret%3Awith%2Fodd+chars")  # RFC 6749 §2.3.1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((400, {"error": "invalid_grant"}), OidcRefused),
        ((200, {"access_token": "x"}), OidcRefused),  # no ID token
        ((401, {"error": "invalid_client"}), Unavailable),  # our configuration, not the user
        ((502, {"error": "bad gateway"}), Unavailable),
    ],
)
async def test_a_failed_exchange_is_wrapped_once(answer: tuple[int, Any], error: type) -> None:
    fake = FakeProvider()
    fake.token_answer = answer
    with pytest.raises(error):
        await client(fake).exchange("c", verifier="v")


async def test_an_unreachable_or_confused_provider_is_unavailable() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(Unavailable, match="discovery document"):
        await OidcClient(CONFIG, transport=httpx.MockTransport(down)).provider()

    def other_issuer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=DISCOVERY | {"issuer": "https://evil.example"})

    with pytest.raises(Unavailable, match="misconfigured"):
        await OidcClient(CONFIG, transport=httpx.MockTransport(other_issuer)).provider()


def test_sso_settings_are_off_by_default_and_complete_when_on() -> None:
    assert not OidcSettings().enabled
    with pytest.raises(ValidationError, match="CLIENT_SECRET"):
        OidcSettings(issuer=ISSUER, client_id="x", redirect_url=CONFIG.redirect_url)
    with pytest.raises(ValidationError, match="callback"):
        OidcSettings(issuer=ISSUER, client_id="x", client_secret="y", redirect_url="https://l/")
    on = OidcSettings(
        issuer=ISSUER,
        client_id="x",
        client_secret="y",
        redirect_url=CONFIG.redirect_url,
        allowed_groups="sre, ops",  # type: ignore[arg-type]
    )
    assert on.enabled and on.allowed_groups == ["sre", "ops"]
    assert on.scopes == ["openid", "profile", "email", "groups"] and on.auto_create
