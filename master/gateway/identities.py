"""⑧ The caches behind authentication: verified access JWTs (until they expire, bounded), and
for ``STATE_TTL_S`` each the rows a request's identity depends on (users, refresh-session
families, API tokens, the role bindings). A change made through this master applies at once
(``forget_*``); one made through another replica within ``STATE_TTL_S``.

Why cache at all: a request would otherwise pay an HMAC and three database reads before any
work; with these it pays dict lookups (bench/auth_overhead.py measures the difference)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from master.auth.access import AccessClaims, TokenRefused, verify_access
from master.store import Store
from master.store.repositories.rows import ApiTokenRow, BindingRow, LoginSessionRow, UserRow

STATE_TTL_S = 1.0  # how stale a cached row (disabled flag, role, revocation) may be
_VERIFIED_MAX = 4096
_ROWS_MAX = 8192

K = TypeVar("K")
V = TypeVar("V")


class _Rows(Generic[K, V]):
    """Rows by key for ``STATE_TTL_S``, bounded (oldest first out). Single-flight: when a row
    expires under load, the requests that need it share one read instead of each making one
    (32 concurrent callers would otherwise queue 32 reads every second)."""

    def __init__(self) -> None:
        self._rows: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._loading: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        now = time.monotonic()
        hit = self._rows.get(key)
        if hit is not None and now < hit[0]:
            return hit[1]
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load(key)
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            del self._loading[key]
        future.set_result(value)
        self._rows[key] = (now + STATE_TTL_S, value)
        self._rows.move_to_end(key)
        if len(self._rows) > _ROWS_MAX:
            self._rows.popitem(last=False)
        return value

    def forget(self, key: K) -> None:
        self._rows.pop(key, None)

    def clear(self) -> None:
        self._rows.clear()


class Identities:
    """The caches behind authentication (one per gateway state)."""

    def __init__(self) -> None:
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._users: _Rows[str, UserRow | None] = _Rows()
        self._sessions: _Rows[str, LoginSessionRow | None] = _Rows()
        self._tokens: _Rows[str, ApiTokenRow | None] = _Rows()
        self._bindings: _Rows[str, tuple[BindingRow, ...]] = _Rows()

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
        if store is None:
            return None
        return await self._users.get(username, store.users.get)

    async def session(self, store: Store | None, family: str) -> LoginSessionRow | None:
        if store is None:
            return None
        return await self._sessions.get(family, store.sessions.family)

    async def token(self, store: Store | None, token_id: str) -> ApiTokenRow | None:
        if store is None:
            return None
        return await self._tokens.get(token_id, store.api_tokens.get)

    async def bindings(self, store: Store | None) -> tuple[BindingRow, ...]:
        """Every role binding (a small table: read whole, filtered in memory)."""
        if store is None:
            return ()

        async def load(_: str) -> tuple[BindingRow, ...]:
            return tuple(await store.bindings.list())

        return await self._bindings.get("", load)

    def forget(self, username: str) -> None:
        """Drop a user's cached row: a change made through this master applies at once."""
        self._users.forget(username)

    def forget_session(self, family: str) -> None:
        self._sessions.forget(family)

    def forget_all_sessions(self) -> None:
        """After revoking a user's families (whose ids this cache does not index by user)."""
        self._sessions.clear()

    def forget_token(self, token_id: str) -> None:
        self._tokens.forget(token_id)

    def forget_bindings(self) -> None:
        self._bindings.forget("")
