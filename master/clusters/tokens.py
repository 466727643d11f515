"""Agent tokens: ``lkt_<token id>_<secret>``.

The token id is public and indexes the cluster; only a SHA-256 of the secret is stored. A
fast hash is right here (unlike passwords): the secret is 256 random bits, so there is
nothing to brute-force, and verification runs on every agent connect."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from master.errors import MasterError

PREFIX = "lkt"


class MalformedToken(MasterError):
    """Not a Lookout agent token at all."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token_id: str
    token: str  # shown once to the operator, never stored
    token_hash: str


def issue() -> IssuedToken:
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return IssuedToken(
        token_id=token_id, token=f"{PREFIX}_{token_id}_{secret}", token_hash=hash_secret(secret)
    )


def parse(token: str) -> tuple[str, str]:
    """(token id, secret); raises MalformedToken."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or len(parts[2]) < 16:
        raise MalformedToken("not a Lookout agent token (expected lkt_<id>_<secret>)")
    return parts[1], parts[2]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), token_hash)
