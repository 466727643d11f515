"""⑧ The caches behind authentication: verified access JWTs (until they expire, bounded) and
user rows (for ``USER_TTL_S``, so disabling a user takes effect within a second on every
replica, at once on the one that made the change)."""

from __future__ import annotations

import time
from collections import OrderedDict

from master.auth.access import AccessClaims, TokenRefused, verify_access
from master.store import Store
from master.store.repositories.rows import UserRow

USER_TTL_S = 1.0  # how stale a cached user row (disabled flag, role) may be
_VERIFIED_MAX = 4096


class Identities:
    """The caches behind authentication (one per gateway state)."""

    def __init__(self) -> None:
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._users: dict[str, tuple[float, UserRow | None]] = {}

    def verified(self, secret: str, token: str, now_s: float) -> AccessClaims:
        hit = self._verified.get(token)
        if hit is not None and now_s < hit.expires_s:
            return hit
        if not secret:
            raise TokenRefused("logins are not enabled on this master")
        claims = verify_access(secret, token, now_s=int(now_s))
        self._verified[token] = claims
        if len(self._verified) > _VERIFIED_MAX:
            self._verified.popitem(last=False)
        return claims

    async def user(self, store: Store | None, username: str) -> UserRow | None:
        now = time.monotonic()
        hit = self._users.get(username)
        if hit is not None and now < hit[0]:
            return hit[1]
        if store is None:
            return None
        row = await store.users.get(username)
        self._users[username] = (now + USER_TTL_S, row)
        return row

    def forget(self, username: str) -> None:
        """Drop a user's cached row: a change made through this master applies at once."""
        self._users.pop(username, None)
