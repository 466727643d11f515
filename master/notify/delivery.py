"""The retry policy, as data and pure functions: after one failed attempt, when is the next
one, or is it over?

- Exponential backoff with *full jitter* (a uniform delay in [0, min(cap, base·2^n)]): after a
  receiver outage many deliveries retry, and jitter keeps them from arriving in one burst.
  The random source is passed in, so tests and replays are deterministic.
- ``Retry-After`` on 429 and 503 is honoured, in both of its forms (delay-seconds and
  HTTP-date), capped so a hostile or broken receiver cannot park a delivery for a year.
- Permanent failures (a 4xx other than 408 and 429, an SMTP 5xx, an unsafe or invalid
  destination) go to the dead letters at once: retrying cannot fix a bad URL or payload, and
  retrying it only delays everyone behind it.
- Everything else is retried until the delivery is ``dead_after_ms`` old; the last retry is
  placed at that age, so a receiver that comes back just before it still gets the message.

Nothing here sleeps, reads a clock or does I/O (``worker`` does)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal

RETRY_AFTER_STATUSES = frozenset({429, 503})
RETRYABLE_4XX = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff of ``base_ms``·2^attempt capped at ``cap_ms``; a ``Retry-After`` is capped at
    ``max_retry_after_ms``; ``dead_after_ms`` after a delivery was created it is dead.
    Defaults: 1 s first retry (a blip), 10 min cap (a receiver outage is usually minutes, and
    polling more often than that helps nobody), dead after 24 h (someone will have looked)."""

    base_ms: int = 1_000
    cap_ms: int = 600_000
    max_retry_after_ms: int = 3_600_000
    dead_after_ms: int = 86_400_000


@dataclass(frozen=True, slots=True)
class Failure:
    """What one failed attempt told us. ``status`` is an HTTP status or SMTP reply code when
    the peer answered; ``permanent`` overrides the status-based verdict (None: decide from it)."""

    error: str
    status: int | None = None
    retry_after: str | None = None
    permanent: bool | None = None
    protocol: Literal["http", "smtp"] = "http"


@dataclass(frozen=True, slots=True)
class Retry:
    at_ms: int
    reason: str  # "backoff" | "retry-after" | "last-chance"


@dataclass(frozen=True, slots=True)
class Dead:
    reason: str  # "permanent" | "expired"


Decision = Retry | Dead


def is_permanent(failure: Failure) -> bool:
    if failure.permanent is not None:
        return failure.permanent
    s = failure.status
    if s is None:
        return False  # not reached: connection refused, reset, timeout
    if failure.protocol == "smtp":
        return 500 <= s < 600  # 4xx is the SMTP way of saying "try again later"
    if 400 <= s < 500:
        return s not in RETRYABLE_4XX
    # 3xx (redirects are never followed: see safety) cannot start working by itself either.
    return 300 <= s < 400


def retry_after_ms(value: str | None, *, now_ms: int) -> int | None:
    """The delay a ``Retry-After`` header asks for, in ms from ``now_ms``; None when absent or
    unreadable. A date in the past means "now" (0)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value) * 1000
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive parse means "-0000"
        when = when.replace(tzinfo=UTC)
    return max(int(when.timestamp() * 1000) - now_ms, 0)


def backoff_ms(attempt: int, policy: RetryPolicy, rng: random.Random) -> int:
    """Full jitter for the ``attempt``-th failure (1-based)."""
    ceiling = min(policy.cap_ms, policy.base_ms * (2 ** min(max(attempt - 1, 0), 40)))
    return int(rng.uniform(0, ceiling))


def decide(
    failure: Failure,
    *,
    attempt: int,
    created_ms: int,
    now_ms: int,
    policy: RetryPolicy,
    rng: random.Random,
) -> Decision:
    """What to do after the ``attempt``-th attempt (1-based) failed with ``failure``."""
    if is_permanent(failure):
        return Dead("permanent")
    deadline = created_ms + policy.dead_after_ms
    if now_ms >= deadline:
        return Dead("expired")
    asked = None
    if failure.status in RETRY_AFTER_STATUSES and failure.protocol == "http":
        asked = retry_after_ms(failure.retry_after, now_ms=now_ms)
    if asked is not None:
        at, reason = now_ms + min(asked, policy.max_retry_after_ms), "retry-after"
    else:
        at, reason = now_ms + backoff_ms(attempt, policy, rng), "backoff"
    if at >= deadline:
        return Retry(deadline, "last-chance")
    return Retry(at, reason)
