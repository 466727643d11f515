"""The shared-token watch: a restart or failover is one takeover; two live agents with one
token displace each other, and that is a finding until the token is rotated."""

from __future__ import annotations

from master.clusters.sharing import REASON, TokenSharing, fingerprint
from shared.domain.findings import Finding


def _claim(
    w: TokenSharing, instance: str, replacing: str | None, *, at: float, token: str = "t1"
) -> Finding | None:
    return w.claimed(
        "edge",
        token_id=token,
        instance_id=instance,
        replacing=replacing,
        now=at,
        now_ms=int(at * 1000),
    )


def test_a_new_instance_taking_over_once_is_a_restart_not_a_shared_token() -> None:
    w = TokenSharing()
    assert _claim(w, "a", None, at=0) is None
    assert _claim(w, "b", "a", at=1) is None  # rollout / leader failover
    assert _claim(w, "b", None, at=2) is None  # b reconnects after a blip
    assert _claim(w, "b", "b", at=3) is None  # b replaces its own half-open stream


def test_a_displaced_instance_taking_the_session_back_from_a_live_one_is_a_finding() -> None:
    w = TokenSharing()
    _claim(w, "a", None, at=0)
    _claim(w, "b", "a", at=1)
    found = _claim(w, "a", "b", at=2)
    assert found is not None
    assert (found.reason, found.fingerprint) == (REASON, fingerprint("edge"))
    assert found.subject.name == "edge"
    assert found.attrs["instances"] == "a,b"
    assert "rotate" in found.message
    again = _claim(w, "b", "a", at=3)  # still flapping: the same finding, seen again
    assert again is not None
    assert (again.first_seen_ms, again.last_seen_ms, again.count) == (2000, 3000, 2)


def test_coming_back_after_the_replacement_ended_is_a_failover_not_sharing() -> None:
    w = TokenSharing()
    _claim(w, "a", None, at=0)
    _claim(w, "b", "a", at=1)
    assert _claim(w, "a", None, at=5) is None  # b is gone: the lease moved back to a


def test_the_finding_is_held_until_a_new_token_connects() -> None:
    w = TokenSharing()
    _claim(w, "a", None, at=0)
    _claim(w, "b", "a", at=1)
    assert _claim(w, "a", "b", at=2) is not None
    assert _claim(w, "a", None, at=3) is not None  # the copy stopped; the token is still out
    assert _claim(w, "c", None, at=4, token="t2") is None  # rotated


def test_an_instance_displaced_longer_ago_than_the_window_is_forgotten() -> None:
    w = TokenSharing(window_s=60)
    _claim(w, "a", None, at=0)
    _claim(w, "b", "a", at=1)
    assert _claim(w, "a", "b", at=100) is None
