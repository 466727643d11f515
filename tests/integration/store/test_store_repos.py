"""Clusters, commands, audit and users as their repositories promise."""

from __future__ import annotations

import pytest

from master.store import ClusterExists, Store, UnknownCluster, UserExists
from master.store.repositories.rows import CommandRow
from shared.domain.commands import CommandState


async def test_added_cluster_is_found_by_name_and_token_id(store: Store) -> None:
    added = await store.clusters.add("prod", token_id="tid-1", token_hash="hash-1", now_ms=1_000)
    assert await store.clusters.get("prod") == added
    assert await store.clusters.by_token_id("tid-1") == added
    assert await store.clusters.by_token_id("tid-x") is None
    assert (added.created_ms, added.token_created_ms, added.revoked_ms) == (1_000, 1_000, None)


async def test_a_taken_name_or_token_id_is_refused(store: Store) -> None:
    await store.clusters.add("prod", token_id="tid-1", token_hash="hash", now_ms=1)
    with pytest.raises(ClusterExists, match="prod"):
        await store.clusters.add("prod", token_id="tid-2", token_hash="hash", now_ms=2)
    with pytest.raises(ClusterExists, match="tid-1"):
        await store.clusters.add("staging", token_id="tid-1", token_hash="hash", now_ms=2)
    assert [c.name for c in await store.clusters.list()] == ["prod"]


async def test_a_refused_add_does_not_sink_concurrent_writes(store: Store) -> None:
    import asyncio

    await store.clusters.add("prod", token_id="tid-1", token_hash="hash", now_ms=1)
    results = await asyncio.gather(
        store.clusters.add("prod", token_id="tid-9", token_hash="hash", now_ms=2),
        store.clusters.add("a", token_id="tid-a", token_hash="hash", now_ms=2),
        store.clusters.add("b", token_id="tid-b", token_hash="hash", now_ms=2),
        return_exceptions=True,
    )
    assert isinstance(results[0], ClusterExists)
    assert [c.name for c in await store.clusters.list()] == ["a", "b", "prod"]


async def test_revoke_then_rotate_restores_access_with_the_new_token(store: Store) -> None:
    await store.clusters.add("prod", token_id="tid-1", token_hash="hash-1", now_ms=1)
    await store.clusters.revoke("prod", 5)
    await store.clusters.revoke("prod", 9)
    revoked = await store.clusters.get("prod")
    assert revoked is not None
    assert revoked.revoked_ms == 5
    await store.clusters.set_token("prod", token_id="tid-2", token_hash="hash-2", now_ms=10)
    rotated = await store.clusters.get("prod")
    assert rotated is not None
    assert (rotated.token_id, rotated.token_hash, rotated.token_created_ms) == (
        "tid-2",
        "hash-2",
        10,
    )
    assert rotated.revoked_ms is None
    assert await store.clusters.by_token_id("tid-1") is None


async def test_unknown_cluster_cannot_be_revoked_or_rotated(store: Store) -> None:
    with pytest.raises(UnknownCluster):
        await store.clusters.revoke("ghost", 1)
    with pytest.raises(UnknownCluster):
        await store.clusters.set_token("ghost", token_id="t", token_hash="h", now_ms=1)


async def test_agent_sessions_open_and_close(store: Store) -> None:
    await store.journal.session_opened(
        "prod", session_id="s1", instance_id="agent-0", agent_version="0.1.0", now_ms=100
    )
    await store.journal.session_opened(
        "prod", session_id="s2", instance_id="agent-0", agent_version="0.1.0", now_ms=200
    )
    await store.journal.session_closed("s1", 150)
    sessions = await store.journal.sessions("prod")
    assert [(s.session_id, s.disconnected_ms) for s in sessions] == [("s2", None), ("s1", 150)]


def _command(cid: str, *, key: str = "", created: int = 1, cluster: str = "prod") -> CommandRow:
    return CommandRow(
        id=cid,
        cluster=cluster,
        type="scale",
        target="Deployment/shop/web",
        params_json=b'{"replicas":3}',
        dry_run=True,
        idempotency_key=key,
        state=CommandState.PENDING,
        created_ms=created,
        updated_ms=created,
        deadline_ms=created + 30_000,
        requested_by="alice",
        message="queued",
    )


async def test_a_command_round_trips_with_its_first_transition(store: Store) -> None:
    row, created = await store.commands.insert(_command("c-1"))
    assert created
    assert await store.commands.get("c-1") == row
    assert [(t.state, t.message) for t in await store.commands.transitions("c-1")] == [
        (CommandState.PENDING, "queued")
    ]


async def test_the_same_idempotency_key_returns_the_first_command(store: Store) -> None:
    first, _ = await store.commands.insert(_command("c-1", key="k"))
    again, created = await store.commands.insert(_command("c-2", key="k"))
    other_cluster, created_elsewhere = await store.commands.insert(
        _command("c-3", key="k", cluster="dev")
    )
    assert (again, created) == (first, False)
    assert created_elsewhere
    assert await store.commands.get("c-2") is None
    assert other_cluster.id == "c-3"


async def test_transitions_follow_the_state_machine_until_terminal(store: Store) -> None:
    await store.commands.insert(_command("c-1"))
    assert await store.commands.transition("c-1", CommandState.SENT, at_ms=2)
    assert await store.commands.transition("c-1", CommandState.RUNNING, at_ms=3)
    assert await store.commands.transition(
        "c-1", CommandState.FAILED, at_ms=4, message="forbidden", error_code="FORBIDDEN"
    )
    assert not await store.commands.transition("c-1", CommandState.SUCCEEDED, at_ms=5)
    assert not await store.commands.transition("nope", CommandState.SENT, at_ms=5)
    row = await store.commands.get("c-1")
    assert row is not None
    assert (row.state, row.error_code, row.updated_ms) == (CommandState.FAILED, "FORBIDDEN", 4)
    states = [t.state.value for t in await store.commands.transitions("c-1")]
    assert states == ["pending", "sent", "running", "failed", "succeeded"]


async def test_commands_list_newest_first_and_active_ones_for_recovery(store: Store) -> None:
    for i in range(5):
        await store.commands.insert(_command(f"c-{i}", created=i))
    await store.commands.transition("c-1", CommandState.SUCCEEDED, at_ms=9)
    assert [c.id for c in await store.commands.list(limit=3)] == ["c-4", "c-3", "c-2"]
    assert [c.id for c in await store.commands.list(before_ms=2)] == ["c-1", "c-0"]
    assert [c.id for c in await store.commands.list(state=CommandState.SUCCEEDED)] == ["c-1"]
    assert [c.id for c in await store.commands.active()] == ["c-0", "c-2", "c-3", "c-4"]


async def test_commands_of_one_millisecond_page_by_id_without_skips_or_repeats(
    store: Store,
) -> None:
    for i in range(4):
        await store.commands.insert(_command(f"t-{i}", created=7))
    seen: list[str] = []
    cursor: tuple[int | None, str | None] = (None, None)
    while page := await store.commands.list(before_ms=cursor[0], before_id=cursor[1], limit=3):
        seen += [c.id for c in page]
        cursor = (page[-1].created_ms, page[-1].id)
    assert seen == ["t-3", "t-2", "t-1", "t-0"]


async def test_audit_entries_append_and_page_newest_first(store: Store) -> None:
    ids = [
        await store.audit.append(
            at_ms=i,
            actor="alice",
            action="command.create",
            cluster="prod",
            target=f"Deployment/shop/web-{i}",
            detail={"i": i},
            outcome="ok",
        )
        for i in range(4)
    ]
    await store.audit.append(at_ms=9, actor="bob", action="login", outcome="denied")
    page = await store.audit.list(cluster="prod", limit=2)
    assert [e.id for e in page] == [ids[3], ids[2]]
    rest = await store.audit.list(cluster="prod", before_id=page[-1].id)
    assert [e.detail_json for e in rest] == [b'{"i":1}', b'{"i":0}']
    assert [e.outcome for e in await store.audit.list(actor="bob")] == ["denied"]


async def test_users_are_unique_and_can_be_disabled(store: Store) -> None:
    await store.users.add("admin", password_hash="$argon2$x", role="admin", now_ms=1)
    with pytest.raises(UserExists):
        await store.users.add("admin", password_hash="$argon2$y", role="viewer", now_ms=2)
    assert await store.users.update("admin", disabled=True)
    assert not await store.users.update("ghost", disabled=True)
    user = await store.users.get("admin")
    assert user is not None
    assert (user.role, user.disabled) == ("admin", True)
