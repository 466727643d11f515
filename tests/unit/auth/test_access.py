"""Access JWTs: every forged, stale or confused token is refused, whatever the reason."""

from __future__ import annotations

import base64
import json

import pytest
from jose import jwt

from master.auth.access import (
    AUDIENCE,
    ISSUER,
    TokenRefused,
    check_secret,
    digest,
    issue_access,
    same_digest,
    verify_access,
)

SECRET = "s" * 48
NOW = 1_800_000_000


def good(now: int = NOW, ttl: int = 300) -> str:
    token, _ = issue_access(SECRET, subject="ana", session="fam1", now_s=now, ttl_s=ttl)
    return token


def forged(**overrides: object) -> str:
    body: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "ana",
        "jti": "j",
        "iat": NOW,
        "exp": NOW + 300,
    }
    body.update(overrides)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, SECRET, algorithm="HS256")


def test_a_fresh_token_holds_and_carries_its_session() -> None:
    claims = verify_access(SECRET, good(), now_s=NOW + 10)
    assert (claims.subject, claims.session) == ("ana", "fam1")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (good(ttl=60), "expired"),
        (good(now=NOW + 3600), "not valid yet"),
        (forged(iss="someone-else"), "issuer"),
        (forged(aud="another-api"), "audience"),
        (forged(sub=None), "sub"),
        (forged(jti=None), "jti"),
        (forged(exp=None), "exp"),
        (
            jwt.encode(
                {
                    "iss": ISSUER,
                    "aud": AUDIENCE,
                    "sub": "ana",
                    "jti": "j",
                    "iat": NOW,
                    "exp": NOW + 300,
                },
                "another-secret-of-enough-length-xxxxxx",
                algorithm="HS256",
            ),
            "Signature",
        ),
        ("not-a-jwt", "not a JWT"),
    ],
)
def test_refused_tokens(token: str, reason: str) -> None:
    with pytest.raises(TokenRefused, match=reason):
        verify_access(SECRET, token, now_s=NOW + 200)


def _b64(doc: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


def test_alg_none_and_algorithm_confusion_are_refused() -> None:
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "admin", "jti": "j", "iat": NOW, "exp": NOW + 99}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(body)}."
    with pytest.raises(TokenRefused, match="algorithm"):
        verify_access(SECRET, unsigned, now_s=NOW)
    # RS/HS confusion: a token claiming RS256, "signed" with the shared secret as if it were a key.
    confused = jwt.encode(body, SECRET, algorithm="HS512")
    with pytest.raises(TokenRefused, match="algorithm"):
        verify_access(SECRET, confused, now_s=NOW)
    rs_header = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(body)}.c2ln"
    with pytest.raises(TokenRefused, match="algorithm"):
        verify_access(SECRET, rs_header, now_s=NOW)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        check_secret("short")


def test_opaque_secrets_are_compared_by_digest() -> None:
    assert same_digest("abc", digest("abc")) and not same_digest("abd", digest("abc"))
