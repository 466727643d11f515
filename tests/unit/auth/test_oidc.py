"""The OpenID Connect core: PKCE, the authorization URL, the discovery document, and an ID
token refused for every way it can be wrong -- signature, algorithm confusion, issuer,
audience, authorized party, time, nonce -- with no provider and no clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jws

from master.auth.oidc import (
    OidcRefused,
    Provider,
    UnknownKey,
    admitted,
    authorization_url,
    challenge_of,
    identity_of,
    new_verifier,
    provider_from,
    safe_next,
    verify_id_token,
)
from master.auth.oidc_logins import PendingLogins
from master.auth.passwords import verify_password

ISSUER = "https://idp.example"
CLIENT = "lookout"
NONCE = "n-0123456789"
NOW = 1_800_000_000


def _pem(key: Any) -> bytes:
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


RSA_PEM = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
EC_PEM = _pem(ec.generate_private_key(ec.SECP256R1()))


def public_jwk(pem: bytes, alg: str, kid: str) -> dict[str, Any]:
    public: dict[str, Any] = jwk.construct(pem, alg).public_key().to_dict()
    return public | {"kid": kid, "use": "sig"}


JWKS = {"keys": [public_jwk(RSA_PEM, "RS256", "r1"), public_jwk(EC_PEM, "ES256", "e1")]}
PROVIDER = Provider(
    issuer=ISSUER,
    authorization_endpoint=f"{ISSUER}/auth",
    token_endpoint=f"{ISSUER}/token",
    jwks_uri=f"{ISSUER}/jwks",
    algorithms=("RS256", "ES256"),
)


def claims(**overrides: Any) -> dict[str, Any]:
    body = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "u-1",
        "iat": NOW,
        "exp": NOW + 300,
        "nonce": NONCE,
        "preferred_username": "alice",
        "groups": ["sre"],
    }
    return {k: v for k, v in (body | overrides).items() if v is not None}


def signed(
    body: dict[str, Any], *, pem: bytes = RSA_PEM, alg: str = "RS256", kid: str = "r1"
) -> str:
    token: str = jws.sign(body, pem, algorithm=alg, headers={"kid": kid})
    return token


def verify(token: str, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "provider": PROVIDER,
        "jwks": JWKS,
        "client_id": CLIENT,
        "nonce": NONCE,
        "now_s": NOW + 10,
    }
    return verify_id_token(token, **(args | overrides))


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_the_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    # RFC 7636 appendix B.
    assert challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifier = new_verifier()
    assert 43 <= len(verifier) <= 128 and verifier != new_verifier()
    assert challenge_of(verifier) == b64(hashlib.sha256(verifier.encode()).digest())


def test_the_authorization_url_carries_state_nonce_and_the_challenge() -> None:
    url = authorization_url(
        PROVIDER,
        client_id=CLIENT,
        redirect_url="https://lookout.example/api/v1/auth/oidc/callback",
        scopes=("openid", "groups"),
        state="s1",
        nonce="n1",
        challenge="c1",
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/auth"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": "https://lookout.example/api/v1/auth/oidc/callback",
        "scope": "openid groups",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": "c1",
        "code_challenge_method": "S256",
    }


def test_a_valid_rs256_or_es256_id_token_gives_its_claims() -> None:
    assert verify(signed(claims()))["sub"] == "u-1"
    assert verify(signed(claims(), pem=EC_PEM, alg="ES256", kid="e1"))["groups"] == ["sre"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (claims(nonce="another-login"), "nonce"),
        (claims(nonce=None), "nonce"),
        (claims(aud="someone-else"), "aud"),
        (claims(aud=["someone-else", CLIENT]), "azp"),  # several audiences need azp = us
        (claims(azp="someone-else"), "azp"),
        (claims(iss="https://evil.example"), "issued by"),
        (claims(exp=NOW - 100), "expired"),
        (claims(iat=NOW + 3600), "future"),
        (claims(exp=None), "exp"),
        (claims(sub=None), "subject"),
    ],
)
def test_an_id_token_with_wrong_claims_is_refused(body: dict[str, Any], why: str) -> None:
    with pytest.raises(OidcRefused, match=why):
        verify(signed(body))


def test_a_token_past_its_expiry_is_accepted_only_within_the_leeway() -> None:
    token = signed(claims(exp=NOW))
    assert verify(token, now_s=NOW + 59)
    with pytest.raises(OidcRefused, match="expired"):
        verify(token, now_s=NOW + 60)


def test_several_audiences_with_our_azp_pass() -> None:
    assert verify(signed(claims(aud=["api", CLIENT], azp=CLIENT)))


def test_alg_none_is_refused() -> None:
    header = b64(json.dumps({"alg": "none", "kid": "r1"}).encode())
    token = f"{header}.{b64(json.dumps(claims()).encode())}."
    with pytest.raises(OidcRefused, match="algorithm 'none'"):
        verify(token)


def test_hs256_with_the_public_key_as_secret_is_refused_before_any_key_is_used() -> None:
    # python-jose will not sign so (it refuses a PEM as an HMAC secret): forged by hand.
    public_pem = jwk.construct(RSA_PEM, "RS256").public_key().to_pem()
    head = b64(json.dumps({"alg": "HS256", "kid": "r1"}).encode())
    body = b64(json.dumps(claims()).encode())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    token = f"{head}.{body}.{b64(mac)}"
    with pytest.raises(OidcRefused, match="algorithm 'HS256'"):
        verify(token)
    # Even when a (misconfigured) provider lists HS256.
    lax = Provider(**_fields(PROVIDER, algorithms=("HS256",)))
    with pytest.raises(OidcRefused, match="algorithm 'HS256'"):
        verify(token, provider=lax)


def _fields(p: Provider, **overrides: Any) -> dict[str, Any]:
    names = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "algorithms")
    return {n: getattr(p, n) for n in names} | overrides


def test_an_algorithm_the_provider_does_not_list_is_refused() -> None:
    only_rs = Provider(**_fields(PROVIDER, algorithms=("RS256",)))
    with pytest.raises(OidcRefused, match="algorithm 'ES256'"):
        verify(signed(claims(), pem=EC_PEM, alg="ES256", kid="e1"), provider=only_rs)


def test_a_signature_by_another_key_is_refused() -> None:
    other = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(OidcRefused, match="signature"):
        verify(signed(claims(), pem=other))


def test_an_unknown_kid_asks_for_the_jwks_again() -> None:
    with pytest.raises(UnknownKey):
        verify(signed(claims(), kid="rotated"))


def test_discovery_keeps_only_asymmetric_algorithms_and_its_own_issuer() -> None:
    doc = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/auth",
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
        "id_token_signing_alg_values_supported": ["HS256", "none", "RS256", "PS256"],
        "code_challenge_methods_supported": ["plain", "S256"],
    }
    assert provider_from(doc, issuer=ISSUER).algorithms == ("RS256",)
    with pytest.raises(OidcRefused, match="issuer"):
        provider_from(doc, issuer="https://other.example")
    with pytest.raises(OidcRefused, match="none of"):
        provider_from(doc | {"id_token_signing_alg_values_supported": ["HS256"]}, issuer=ISSUER)
    with pytest.raises(OidcRefused, match="PKCE"):
        provider_from(doc | {"code_challenge_methods_supported": ["plain"]}, issuer=ISSUER)


def test_claims_map_to_a_username_and_groups() -> None:
    who = identity_of(claims(), username_claim="preferred_username", groups_claim="groups")
    assert (who.username, who.groups, who.subject) == ("alice", ("sre",), "u-1")
    bare = identity_of(
        claims(preferred_username=None, groups="ops"),
        username_claim="preferred_username",
        groups_claim="groups",
    )
    assert (bare.username, bare.groups) == ("u-1", ("ops",))
    odd = identity_of(claims(groups=[1, "a", "a", None]), username_claim="x", groups_claim="groups")
    assert odd.groups == ("a",)
    with pytest.raises(OidcRefused, match="longer"):
        identity_of(
            claims(preferred_username="a" * 129),
            username_claim="preferred_username",
            groups_claim="groups",
        )


def test_allowed_groups_admit_members_only() -> None:
    assert admitted((), ())
    assert admitted(("dev", "sre"), ("sre",))
    assert not admitted(("dev",), ("sre",))
    assert not admitted((), ("sre",))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "/"),
        ("/clusters/edge?tab=pods#x", "/clusters/edge?tab=pods#x"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("evil", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_next_is_a_path_on_this_origin_or_the_start_page(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def test_a_pending_login_is_taken_once_by_its_browser_before_it_expires() -> None:
    logins = PendingLogins(ttl_s=600, max_pending=3)
    logins.put("s1", verifier="v", nonce="n", next_path="/", browser="b1", now_s=0)
    assert logins.take("s1", browser="b1", now_s=1) is not None
    assert logins.take("s1", browser="b1", now_s=2) is None  # single use
    logins.put("s2", verifier="v", nonce="n", next_path="/", browser="b1", now_s=0)
    assert logins.take("s2", browser="someone-else", now_s=1) is None
    assert logins.take("s2", browser="b1", now_s=1) is None  # a wrong browser burnt it
    logins.put("s3", verifier="v", nonce="n", next_path="/", browser="b", now_s=0)
    assert logins.take("s3", browser="b", now_s=600) is None  # expired


def test_pending_logins_are_bounded_and_expire_oldest_first() -> None:
    logins = PendingLogins(ttl_s=600, max_pending=3)
    for i in range(5):
        logins.put(f"s{i}", verifier="v", nonce="n", next_path="/", browser="b", now_s=i)
    assert len(logins) == 3
    assert logins.take("s0", browser="b", now_s=5) is None
    assert logins.take("s4", browser="b", now_s=5) is not None
    logins.put("late", verifier="v", nonce="n", next_path="/", browser="b", now_s=700)
    assert len(logins) == 1  # the others expired


def test_the_sso_placeholder_password_hash_never_verifies() -> None:
    for password in ("!oidc", "", "anything at all"):
        assert verify_password(password, "!oidc") is False
