"""Login throttling on virtual time: free tries, doubling delays, lockout, forgetting, bounds."""

from __future__ import annotations

from master.auth.throttle import LoginThrottle, ThrottlePolicy

POLICY = ThrottlePolicy(
    free_failures=3, base_delay_s=1.0, max_delay_s=8.0, lockout_after=8, lockout_s=900.0
)


def test_the_first_failures_cost_nothing_then_the_delay_doubles_up_to_its_cap() -> None:
    t = LoginThrottle(POLICY)
    waits = []
    for _ in range(7):
        t.failed("user:alice", 100.0)
        waits.append(t.wait_s("user:alice", 100.0))
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0, 4.0, 8.0]
    assert t.wait_s("user:alice", 104.0) == 4.0  # the delay runs from the last failure
    assert t.wait_s("user:alice", 200.0) == 0.0
    assert t.wait_s("user:bob", 100.0) == 0.0  # keys are independent


def test_enough_failures_lock_the_key_once_and_the_lock_expires() -> None:
    t = LoginThrottle(POLICY)
    locked_now = [t.failed("user:alice", 10.0) for _ in range(POLICY.lockout_after + 2)]
    assert locked_now.count(True) == 1 and locked_now[POLICY.lockout_after - 1]
    assert t.locked("user:alice", 10.0)
    assert t.wait_s("user:alice", 10.0 + 899.0) == 1.0
    assert not t.locked("user:alice", 10.0 + 3601.0)
    assert t.wait_s("user:alice", 10.0 + 3601.0) == 0.0


def test_a_success_clears_the_key() -> None:
    t = LoginThrottle(POLICY)
    for _ in range(6):
        t.failed("user:alice", 0.0)
    t.succeeded("user:alice")
    assert t.wait_s("user:alice", 0.0) == 0.0
    t.failed("user:alice", 0.0)
    assert t.wait_s("user:alice", 0.0) == 0.0  # counting starts over


def test_spraying_names_cannot_grow_the_table_past_its_bound() -> None:
    t = LoginThrottle(ThrottlePolicy(max_keys=100, free_failures=0))
    t.failed("user:target", 0.0)
    for i in range(1000):
        t.failed(f"user:spray{i}", 0.0)
    assert len(t._keys) == 100
    assert t.wait_s("user:target", 0.0) == 0.0  # the oldest key went first
    assert t.wait_s("user:spray999", 0.0) == 1.0
