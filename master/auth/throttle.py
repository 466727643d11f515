"""Login throttling: per key (a username, a client address), an exponential delay after a few
failures and a temporary lockout after many. Pure: ``now`` comes in.

The key for a username is taken as typed, whether or not the user exists, so an unknown user
and a wrong password are throttled alike and the answer tells nothing about which it was.
Bounded: the oldest keys go first past ``max_keys`` (an attacker spraying names cannot grow it)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_failures: int = 3  # failures allowed before any delay
    base_delay_s: float = 1.0  # first delay, doubled per further failure
    max_delay_s: float = 60.0
    lockout_after: int = 10  # failures in a row that lock the key
    lockout_s: float = 900.0
    forget_after_s: float = 3600.0  # a quiet key starts over
    max_keys: int = 50_000


@dataclass(slots=True)
class _State:
    failures: int
    last_s: float


class LoginThrottle:
    def __init__(self, policy: ThrottlePolicy = ThrottlePolicy()) -> None:
        self.policy = policy
        self._keys: OrderedDict[str, _State] = OrderedDict()

    def wait_s(self, key: str, now_s: float) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        state = self._current(key, now_s)
        if state is None:
            return 0.0
        return max(0.0, state.last_s + self._delay(state.failures) - now_s)

    def locked(self, key: str, now_s: float) -> bool:
        state = self._current(key, now_s)
        return state is not None and state.failures >= self.policy.lockout_after

    def failed(self, key: str, now_s: float) -> bool:
        """Record a failure; True when this one locked the key."""
        state = self._current(key, now_s) or _State(0, now_s)
        state.failures += 1
        state.last_s = now_s
        self._keys[key] = state
        self._keys.move_to_end(key)
        while len(self._keys) > self.policy.max_keys:
            self._keys.popitem(last=False)
        return state.failures == self.policy.lockout_after

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)

    def _current(self, key: str, now_s: float) -> _State | None:
        state = self._keys.get(key)
        if state is None:
            return None
        horizon = max(self.policy.forget_after_s, self.policy.lockout_s)
        if now_s - state.last_s > horizon:
            del self._keys[key]
            return None
        return state

    def _delay(self, failures: int) -> float:
        p = self.policy
        if failures >= p.lockout_after:
            return p.lockout_s
        extra = failures - p.free_failures
        if extra <= 0:
            return 0.0
        return float(min(p.base_delay_s * 2 ** (extra - 1), p.max_delay_s))
