"""Whether a live session's token still holds."""

from __future__ import annotations

from dataclasses import dataclass

from master.clusters.auth import session_verdict


@dataclass(frozen=True)
class _Row:
    name: str
    token_id: str
    revoked_ms: int | None = None


def test_a_session_goes_on_while_its_token_is_current_and_unrevoked() -> None:
    assert session_verdict(_Row("edge", "t1"), cluster="edge", token_id="t1") is None


def test_a_revoked_rotated_or_removed_token_ends_the_session_with_the_reason() -> None:
    revoked = session_verdict(_Row("edge", "t1", revoked_ms=5), cluster="edge", token_id="t1")
    assert revoked is not None and "revoked" in revoked
    rotated = session_verdict(_Row("edge", "t2"), cluster="edge", token_id="t1")
    assert rotated is not None and "rotated" in rotated
    gone = session_verdict(None, cluster="edge", token_id="t1")
    assert gone is not None and "no longer registered" in gone
