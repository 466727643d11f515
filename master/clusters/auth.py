"""Deciding whether an agent's hello may open a session for a cluster."""

from __future__ import annotations

from typing import Protocol

from master.clusters.tokens import MalformedToken, matches, parse
from master.errors import AuthError


class TokenRow(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def token_hash(self) -> str: ...
    @property
    def revoked_ms(self) -> int | None: ...


class TokenLookup(Protocol):
    async def by_token_id(self, token_id: str) -> TokenRow | None: ...


async def authenticate(clusters: TokenLookup, *, cluster: str, token: str) -> None:
    """Return when ``token`` is the current, unrevoked token of ``cluster``; raise AuthError
    with a message the agent's operator can act on otherwise. Messages never echo the token."""
    try:
        token_id, secret = parse(token)
    except MalformedToken as e:
        raise AuthError(str(e)) from None
    row = await clusters.by_token_id(token_id)
    if row is None or not matches(secret, row.token_hash):
        raise AuthError(
            f"unknown agent token for cluster {cluster!r}: issue one with "
            f"`lookout-master cluster add {cluster}` (or `rotate`)"
        )
    if row.name != cluster:
        raise AuthError(f"this token belongs to another cluster, not {cluster!r}")
    if row.revoked_ms is not None:
        raise AuthError(f"the token of cluster {cluster!r} was revoked; rotate it to reconnect")
