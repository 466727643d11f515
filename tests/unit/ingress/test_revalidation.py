"""The periodic token check ends exactly the sessions whose token no longer holds, with one
query for all of them, and none when nobody is connected."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from master.clusters.auth import CurrentToken
from master.ingress.revalidation import RECHECK_S, check_sessions, revalidate_sessions
from master.ingress.sessions import SessionRegistry, SessionSlot
from shared.domain.commands import CommandCancel


@dataclass(frozen=True)
class _Row:
    name: str
    token_id: str
    revoked_ms: int | None = None


class _Tokens:
    def __init__(self, *rows: _Row) -> None:
        self.rows = list(rows)
        self.queries = 0
        self.fail = False

    async def list(self) -> Sequence[CurrentToken]:
        self.queries += 1
        if self.fail:
            raise ConnectionError("store down")
        return self.rows


async def _live(registry: SessionRegistry, cluster: str, token_id: str) -> SessionSlot:
    slot = SessionSlot(cluster=cluster, session_id=f"s-{cluster}", token_id=token_id)
    await registry.claim(slot)
    return slot


async def test_only_sessions_of_revoked_rotated_or_removed_tokens_are_ended() -> None:
    registry = SessionRegistry()
    ok = await _live(registry, "ok", "t-ok")
    revoked = await _live(registry, "revoked", "t-rev")
    rotated = await _live(registry, "rotated", "t-old")
    removed = await _live(registry, "removed", "t-gone")
    tokens = _Tokens(
        _Row("ok", "t-ok"), _Row("revoked", "t-rev", revoked_ms=1), _Row("rotated", "t-new")
    )
    assert await check_sessions(registry, tokens) == 3
    assert tokens.queries == 1
    assert not ok.replaced.is_set() and ok.revoked is None
    for slot, word in ((revoked, "revoked"), (rotated, "rotated"), (removed, "registered")):
        assert slot.replaced.is_set()
        assert slot.revoked is not None and word in slot.revoked
    # An ended session takes no command any more; the live one still does.
    assert not registry.send("revoked", CommandCancel("c1", "x"))
    assert registry.send("ok", CommandCancel("c1", "x"))
    assert await check_sessions(registry, tokens) == 0  # already told: not again


async def test_no_query_while_no_agent_is_connected() -> None:
    tokens = _Tokens()
    assert await check_sessions(SessionRegistry(), tokens) == 0
    assert tokens.queries == 0


async def test_a_store_that_cannot_answer_ends_nothing_and_the_check_goes_on() -> None:
    registry = SessionRegistry()
    slot = await _live(registry, "edge", "t1")
    tokens = _Tokens(_Row("edge", "t1", revoked_ms=1))
    tokens.fail = True
    stop = asyncio.Event()
    task = asyncio.create_task(revalidate_sessions(registry, tokens, stop=stop, every_s=0.01))
    async with asyncio.timeout(10):
        while tokens.queries < 3:  # noqa: ASYNC110 -- polls state it does not own
            await asyncio.sleep(0.01)
    assert not slot.replaced.is_set()
    tokens.fail = False
    async with asyncio.timeout(10):
        await slot.replaced.wait()
    stop.set()
    await asyncio.wait_for(task, 10)
    assert slot.revoked is not None and "revoked" in slot.revoked


def test_a_revoked_session_ends_within_a_second() -> None:
    assert RECHECK_S <= 1.0
