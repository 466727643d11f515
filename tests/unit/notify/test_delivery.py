"""The retry policy: full-jitter backoff, Retry-After in both forms, permanent vs retryable
failures, dead letters by age."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from master.notify.delivery import (
    Dead,
    Failure,
    Retry,
    RetryPolicy,
    backoff_ms,
    decide,
    is_permanent,
    retry_after_ms,
)

NOW = 1_780_000_000_000
POLICY = RetryPolicy(base_ms=1_000, cap_ms=600_000, dead_after_ms=86_400_000)


def _decide(failure: Failure, *, attempt: int = 1, created_ms: int = NOW, now_ms: int = NOW):
    return decide(
        failure,
        attempt=attempt,
        created_ms=created_ms,
        now_ms=now_ms,
        policy=POLICY,
        rng=random.Random(7),
    )


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422])
def test_client_errors_other_than_408_and_429_are_dead_at_once(status: int) -> None:
    assert _decide(Failure("no", status=status)) == Dead("permanent")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, None])
def test_timeouts_rate_limits_server_errors_and_unreachable_peers_are_retried(
    status: int | None,
) -> None:
    assert isinstance(_decide(Failure("later", status=status)), Retry)


def test_smtp_4xx_is_transient_and_5xx_permanent() -> None:
    assert not is_permanent(Failure("busy", status=451, protocol="smtp"))
    assert is_permanent(Failure("no such user", status=550, protocol="smtp"))


def test_redirects_are_permanent_because_they_are_never_followed() -> None:
    assert is_permanent(Failure("moved", status=301))


def test_an_explicit_verdict_beats_the_status() -> None:
    assert is_permanent(Failure("unsafe", permanent=True))
    assert not is_permanent(Failure("odd", status=400, permanent=False))


def test_retry_after_in_seconds_is_honoured_on_429_and_503() -> None:
    for status in (429, 503):
        assert _decide(Failure("slow", status=status, retry_after="120")) == Retry(
            NOW + 120_000, "retry-after"
        )


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = datetime.fromtimestamp((NOW + 90_000) / 1000, tz=UTC)
    header = format_datetime(when, usegmt=True)
    assert retry_after_ms(header, now_ms=NOW) == 90_000
    assert _decide(Failure("slow", status=429, retry_after=header)) == Retry(
        NOW + 90_000, "retry-after"
    )


def test_a_retry_after_date_in_the_past_means_now() -> None:
    assert retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", now_ms=NOW) == 0


def test_unreadable_retry_after_falls_back_to_backoff() -> None:
    assert retry_after_ms("soon", now_ms=NOW) is None
    decision = _decide(Failure("slow", status=429, retry_after="soon"))
    assert isinstance(decision, Retry) and decision.reason == "backoff"


def test_retry_after_on_a_500_is_ignored() -> None:
    decision = _decide(Failure("err", status=500, retry_after="3600"))
    assert isinstance(decision, Retry) and decision.reason == "backoff"


def test_a_huge_retry_after_is_capped() -> None:
    decision = _decide(Failure("slow", status=429, retry_after=str(10**9)))
    assert decision == Retry(NOW + POLICY.max_retry_after_ms, "retry-after")


def test_the_same_seed_gives_the_same_schedule() -> None:
    a = [backoff_ms(n, POLICY, random.Random(3)) for n in range(1, 12)]
    b = [backoff_ms(n, POLICY, random.Random(3)) for n in range(1, 12)]
    assert a == b


@given(attempt=st.integers(min_value=1, max_value=200), seed=st.integers())
def test_backoff_is_full_jitter_below_the_exponential_ceiling_and_the_cap(
    attempt: int, seed: int
) -> None:
    delay = backoff_ms(attempt, POLICY, random.Random(seed))
    assert 0 <= delay <= min(POLICY.cap_ms, POLICY.base_ms * 2 ** (attempt - 1))


@given(
    age=st.integers(min_value=0, max_value=2 * POLICY.dead_after_ms),
    attempt=st.integers(min_value=1, max_value=50),
    retry_after=st.one_of(st.none(), st.integers(min_value=0, max_value=10**7).map(str)),
)
def test_no_retry_is_ever_scheduled_past_the_dead_letter_age(
    age: int, attempt: int, retry_after: str | None
) -> None:
    created = NOW - age
    decision = _decide(
        Failure("x", status=429, retry_after=retry_after),
        attempt=attempt,
        created_ms=created,
    )
    deadline = created + POLICY.dead_after_ms
    if age >= POLICY.dead_after_ms:
        assert decision == Dead("expired")
    else:
        assert isinstance(decision, Retry) and NOW <= decision.at_ms <= deadline


def test_the_last_retry_lands_on_the_dead_letter_age() -> None:
    created = NOW - POLICY.dead_after_ms + 500
    decision = _decide(Failure("down"), attempt=30, created_ms=created)
    # Seed 7's delay for attempt 30 is far above the 500 ms left: the retry is pulled in.
    assert decision == Retry(created + POLICY.dead_after_ms, "last-chance")
