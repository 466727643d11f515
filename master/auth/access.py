"""Short-lived access tokens (JWT, HS256) and the opaque credentials around them.

Owns issuing and checking access JWTs with python-jose -- the algorithm pinned to HS256 (so an
``alg: none`` or RS256 token is refused before any key is used), and ``iss``, ``aud``, ``exp``,
``iat``, ``jti`` and ``sub`` all required -- and the format of opaque secrets (API tokens,
refresh tokens): a random part shown once, stored only as its SHA-256. High-entropy secrets
need no slow hash; a password does (``master.auth.passwords``).

Pure: ``now`` comes in; errors are ``TokenRefused`` with a reason for the audit log (the caller
answers a plain 401 whatever the reason)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from jose import JWTError, jwt

from master.errors import AuthError

ALGORITHM = "HS256"
ISSUER = "lookout-master"
AUDIENCE = "lookout-api"
MIN_SECRET_BYTES = 32
API_TOKEN_PREFIX = "lko_"


class TokenRefused(AuthError):
    """An access token, API token or refresh token that does not hold; the message says why."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str  # the username
    jti: str
    issued_s: int
    expires_s: int
    session: str  # the refresh family it came from; revoking it ends this token too


def check_secret(secret: str) -> None:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")


def issue_access(
    secret: str, *, subject: str, session: str, now_s: int, ttl_s: int
) -> tuple[str, AccessClaims]:
    claims = AccessClaims(
        subject=subject,
        jti=secrets.token_urlsafe(12),
        issued_s=now_s,
        expires_s=now_s + ttl_s,
        session=session,
    )
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "jti": claims.jti,
        "iat": now_s,
        "nbf": now_s,
        "exp": claims.expires_s,
        "sid": session,
    }
    return jwt.encode(body, secret, algorithm=ALGORITHM), claims


def verify_access(secret: str, token: str, *, now_s: int, leeway_s: int = 30) -> AccessClaims:
    """The claims of a valid ``token``; raises ``TokenRefused`` otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as e:
        raise TokenRefused(f"not a JWT: {e}") from None
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(f"algorithm {header.get('alg')!r} refused")
    try:
        body = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={
                "require_iat": True,
                "require_exp": True,
                "require_sub": True,
                "require_jti": True,
                "require_iss": True,
                "require_aud": True,
                "verify_exp": False,  # checked below against our clock, not jose's
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except JWTError as e:
        raise TokenRefused(f"JWT refused: {e}") from None
    try:
        claims = AccessClaims(
            subject=str(body["sub"]),
            jti=str(body["jti"]),
            issued_s=int(body["iat"]),
            expires_s=int(body["exp"]),
            session=str(body.get("sid", "")),
        )
        not_before = int(body.get("nbf", claims.issued_s))
    except (KeyError, TypeError, ValueError) as e:
        raise TokenRefused(f"JWT claims malformed: {e}") from None
    if now_s >= claims.expires_s + leeway_s:
        raise TokenRefused("JWT expired")
    if now_s + leeway_s < min(not_before, claims.issued_s):
        raise TokenRefused("JWT not valid yet")
    return claims


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored for an opaque secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)
