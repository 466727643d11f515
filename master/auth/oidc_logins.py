"""SSO logins under way: what a login started (PKCE verifier, nonce, where to go next) kept
server-side until the provider sends the browser back, keyed by the ``state`` it carried.

Single use: ``take`` removes the entry whatever it finds, so a replayed or raced callback finds
nothing. Bound to the browser that started it: the entry holds the digest of a random value the
browser got as a cookie, and ``take`` wants it back (without it, an attacker could start a
login, stop at the callback and get a victim's browser to finish it as the attacker: login
CSRF). Bounded: past ``max_pending`` the oldest go first, so a flood of /login calls costs
memory only up to the bound (and fails the oldest logins, not the master).

Pure: ``now`` comes in. Per process: a callback must reach the master that started the login
(sticky sessions behind several replicas), said in docs/install.md."""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass

TTL_S = 600.0  # a person signing in at the provider, with a password manager or MFA prompt
MAX_PENDING = 10_000


@dataclass(frozen=True, slots=True)
class Pending:
    verifier: str  # the PKCE code verifier
    nonce: str
    next_path: str
    browser_digest: str  # SHA-256 of the browser cookie's value
    expires_s: float


def browser_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PendingLogins:
    def __init__(self, *, ttl_s: float = TTL_S, max_pending: int = MAX_PENDING) -> None:
        self.ttl_s = ttl_s
        self.max_pending = max_pending
        self._by_state: OrderedDict[str, Pending] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_state)

    def put(
        self, state: str, *, verifier: str, nonce: str, next_path: str, browser: str, now_s: float
    ) -> Pending:
        self._expire(now_s)
        while len(self._by_state) >= self.max_pending:
            self._by_state.popitem(last=False)
        pending = Pending(verifier, nonce, next_path, browser_digest(browser), now_s + self.ttl_s)
        self._by_state[state] = pending
        return pending

    def take(self, state: str, *, browser: str, now_s: float) -> Pending | None:
        """The login ``state`` belongs to, once; None when unknown, used, expired or started by
        another browser (the entry is gone then too: a guess burns it)."""
        pending = self._by_state.pop(state, None)
        self._expire(now_s)
        if pending is None or pending.expires_s <= now_s:
            return None
        if not hmac.compare_digest(pending.browser_digest, browser_digest(browser)):
            return None
        return pending

    def _expire(self, now_s: float) -> None:
        # Entries are in insertion order and share one TTL: the expired ones are at the front.
        while self._by_state:
            state, oldest = next(iter(self._by_state.items()))
            if oldest.expires_s > now_s:
                break
            del self._by_state[state]
