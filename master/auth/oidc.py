"""Single sign-on with OpenID Connect (authorization code + PKCE), the pure part: PKCE, state and
nonce, the authorization URL, the provider's discovery document, ID token verification and the
mapping of its claims to a username and groups.

Owns deciding whether an ID token holds: signed by a key of the provider's JWKS with an
algorithm that is both asymmetric and listed by the provider (``none`` and every HS* are
refused before any key is touched: an HMAC "signed" with the public key would otherwise pass),
then ``iss``, ``aud`` (contains the client id), ``azp`` (when present, or when ``aud`` names
several parties: the client id), ``exp``/``iat`` within a leeway, and the ``nonce`` of this
login. Does not fetch anything (``master.gateway.oidc_client``), keep pending logins
(``master.auth.oidc_logins``) or decide roles (the gateway's ``grants_of``).

Pure: ``now`` and the JWKS come in; refusals are ``OidcRefused`` with the reason for the audit
log, and ``UnknownKey`` when the token names a key the JWKS given lacks (the shell refetches
the JWKS once: the provider may have rotated its keys)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from jose import JOSEError, jwk, jws

from master.errors import AuthError

# Asymmetric algorithms python-jose verifies with the cryptography backend. A provider's list
# is intersected with this: HS* (the client secret as key) and "none" never qualify.
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
LEEWAY_S = 60  # clock skew tolerated between the provider and the master
MAX_USERNAME = 128  # what the users table and the login form take


class OidcRefused(AuthError):
    """A discovery document, ID token or claim set that does not hold; the message says why."""


class UnknownKey(OidcRefused):
    """The ID token's ``kid`` is not in the JWKS given (refetch it once, then refuse)."""


@dataclass(frozen=True, slots=True)
class Provider:
    """What the master uses from the provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]  # ID token algorithms accepted: listed by it and asymmetric


@dataclass(frozen=True, slots=True)
class Identity:
    username: str
    groups: tuple[str, ...]
    subject: str  # the provider's ``sub``, for the audit log


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_verifier() -> str:
    """A PKCE code verifier: 43 characters of the unreserved alphabet (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(32)


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def provider_from(doc: Mapping[str, Any], *, issuer: str) -> Provider:
    """The provider described by a discovery document fetched from ``issuer``; its ``issuer``
    must be exactly that (OpenID Connect Discovery §4.3: no mix-up with another provider)."""
    if doc.get("issuer") != issuer:
        raise OidcRefused(f"the discovery document names issuer {doc.get('issuer')!r}")
    endpoints: dict[str, str] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = doc.get(name)
        if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http"):
            raise OidcRefused(f"the discovery document has no usable {name}")
        endpoints[name] = value
    listed = doc.get("id_token_signing_alg_values_supported") or ["RS256"]  # RS256: the default
    algorithms = tuple(a for a in listed if isinstance(a, str) and a in ASYMMETRIC)
    if not algorithms:
        raise OidcRefused(f"the provider signs ID tokens with none of {sorted(ASYMMETRIC)}")
    methods = doc.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise OidcRefused("the provider does not support PKCE with S256")
    return Provider(issuer=issuer, algorithms=algorithms, **endpoints)


def authorization_url(
    provider: Provider,
    *,
    client_id: str,
    redirect_url: str,
    scopes: Sequence[str],
    state: str,
    nonce: str,
    challenge: str,
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_url,
            "scope": " ".join(scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    sep = "&" if urlsplit(provider.authorization_endpoint).query else "?"
    return f"{provider.authorization_endpoint}{sep}{query}"


def safe_next(value: str | None) -> str:
    """Where to send the browser after the login: a path on this origin, else "/".

    Refuses what a browser would take to another origin: a scheme, ``//host``, and ``/\\host``
    (browsers read a backslash as a slash), and control characters."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(c in value for c in "\\\r\n\t") or any(ord(c) < 0x20 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _signing_key(header: Mapping[str, Any], jwks: Mapping[str, Any], alg: str) -> dict[str, Any]:
    keys = [k for k in jwks.get("keys", ()) if isinstance(k, dict)]
    kty = "EC" if alg.startswith("ES") else "RSA"
    usable = [
        k
        for k in keys
        if k.get("kty") == kty and k.get("use", "sig") == "sig" and k.get("alg", alg) == alg
    ]
    kid = header.get("kid")
    if kid is not None:
        found = [k for k in usable if k.get("kid") == kid]
        if not found:
            raise UnknownKey(f"the ID token names key {kid!r}, not in the provider's JWKS")
        return found[0]
    if len(usable) != 1:  # without a kid, only an unambiguous key will do
        raise UnknownKey("the ID token names no key and the JWKS has no single match")
    return usable[0]


def _verified_payload(token: str, *, jwks: Mapping[str, Any], algorithms: Sequence[str]) -> bytes:
    try:
        header = jws.get_unverified_header(token)
    except JOSEError as e:
        raise OidcRefused(f"the ID token is not a JWS: {e}") from None
    alg = header.get("alg")
    if alg not in algorithms or alg not in ASYMMETRIC:
        raise OidcRefused(f"ID token algorithm {alg!r} refused")
    key = _signing_key(header, jwks, alg)
    try:
        payload: bytes = jws.verify(token, jwk.construct(key, alg), algorithms=[alg])
    except JOSEError as e:
        raise OidcRefused(f"the ID token's signature does not hold: {e}") from None
    return payload


def verify_id_token(
    token: str,
    *,
    provider: Provider,
    jwks: Mapping[str, Any],
    client_id: str,
    nonce: str,
    now_s: float,
    leeway_s: int = LEEWAY_S,
) -> dict[str, Any]:
    """The claims of a valid ID token for this login (OpenID Connect Core §3.1.3.7)."""
    payload = _verified_payload(token, jwks=jwks, algorithms=provider.algorithms)
    try:
        claims = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise OidcRefused("the ID token's payload is not JSON") from None
    if not isinstance(claims, dict):
        raise OidcRefused("the ID token's payload is not an object")
    check_claims(
        claims,
        issuer=provider.issuer,
        client_id=client_id,
        nonce=nonce,
        now_s=now_s,
        leeway_s=leeway_s,
    )
    return claims


def check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now_s: float,
    leeway_s: int = LEEWAY_S,
) -> None:
    if claims.get("iss") != issuer:
        raise OidcRefused(f"the ID token was issued by {claims.get('iss')!r}")
    aud = claims.get("aud")
    audience = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audience:
        raise OidcRefused("the ID token is not meant for this client (aud)")
    azp = claims.get("azp")
    if (azp is not None or len(audience) > 1) and azp != client_id:
        raise OidcRefused("the ID token was issued to another party (azp)")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise OidcRefused("the ID token lacks exp or iat")
    if now_s >= exp + leeway_s:
        raise OidcRefused("the ID token has expired")
    if iat > now_s + leeway_s:
        raise OidcRefused("the ID token was issued in the future")
    got = claims.get("nonce")
    if not isinstance(got, str) or not secrets.compare_digest(got.encode(), nonce.encode()):
        raise OidcRefused("the ID token's nonce is not this login's")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcRefused("the ID token has no subject")


def identity_of(claims: Mapping[str, Any], *, username_claim: str, groups_claim: str) -> Identity:
    """The username (``username_claim``, else ``sub``) and groups the claims carry. Groups may
    come as a list of strings or one string; anything else carries no groups."""
    subject = str(claims["sub"])
    name = claims.get(username_claim)
    username = (name if isinstance(name, str) and name.strip() else subject).strip()
    if len(username) > MAX_USERNAME:  # refused, never cut: two long names must not become one
        raise OidcRefused(f"the username claim is longer than {MAX_USERNAME} characters")
    raw = claims.get(groups_claim)
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    groups = tuple(dict.fromkeys(g for g in items if isinstance(g, str) and g))
    return Identity(username=username, groups=groups, subject=subject)


def admitted(groups: Sequence[str], allowed: Sequence[str]) -> bool:
    """With ``allowed`` set, only members of one of them get in; with it empty, anyone."""
    return not allowed or any(g in allowed for g in groups)
