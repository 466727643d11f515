"""Deciding whether an agent's hello may open a session for a cluster (``authenticate``), and
whether a live session's token still holds (``session_verdict``: revoked, rotated or the
cluster removed since the session opened).

Pure policy over token rows; reading the rows is the caller's (the store's repository), and
ending a session is the ingress's."""

from __future__ import annotations

from collections.abc import Sequence
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


class CurrentToken(Protocol):
    """A cluster's current token as a live session is checked against it."""

    @property
    def name(self) -> str: ...
    @property
    def token_id(self) -> str: ...
    @property
    def revoked_ms(self) -> int | None: ...


class TokenListing(Protocol):
    async def list(self) -> Sequence[CurrentToken]:
        """Every registered cluster with its current token, in one query."""
        ...


async def authenticate(clusters: TokenLookup, *, cluster: str, token: str) -> str:
    """The token id when ``token`` is the current, unrevoked token of ``cluster``; raise
    AuthError with a message the agent's operator can act on otherwise. Messages never echo
    the token. The session keeps the id so it can be ended when the token stops holding."""
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
    return token_id


def session_verdict(current: CurrentToken | None, *, cluster: str, token_id: str) -> str | None:
    """None while a session opened with ``token_id`` may go on; otherwise why it must end
    (the agent sees it with UNAUTHENTICATED). ``current`` is the cluster's row now."""
    if current is None:
        return f"cluster {cluster!r} is no longer registered"
    if current.token_id != token_id:
        return f"the token of cluster {cluster!r} was rotated; this session's token is void"
    if current.revoked_ms is not None:
        return f"the token of cluster {cluster!r} was revoked; rotate it to reconnect"
    return None
