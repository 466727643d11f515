"""Journal commits: exactly-once with the high-water mark, group commit, and what each record
kind becomes in the database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from master.store import Store
from master.store.repositories.rows import CommandRow
from master.store.schema.tables import (
    command_transitions,
    findings_history,
    ingress_samples,
    node_metrics_raw,
)
from shared.domain.commands import CommandState
from tests.integration.store.store_records import (
    command_record,
    finding,
    findings_record,
    gap_record,
    ingress_record,
    metrics_record,
)


async def _count(store: Store, table: Any, *where: Any) -> int:
    async with store.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def test_high_water_mark_starts_at_zero(store: Store) -> None:
    assert await store.journal.high_water_mark("nowhere") == 0


async def test_replayed_records_at_or_below_the_mark_are_not_written_twice(store: Store) -> None:
    first = [metrics_record(seq) for seq in range(1, 6)]
    await store.journal.commit("c1", first, 5)
    # The ack was lost: the agent replays 3..5 and adds 6..8.
    replay = [metrics_record(seq) for seq in range(3, 9)]
    await store.journal.commit("c1", replay, 8)
    assert await store.journal.high_water_mark("c1") == 8
    assert await _count(store, node_metrics_raw) == 8


async def test_replayed_findings_do_not_double_count(store: Store) -> None:
    rec = findings_record(1, finding("a", first=100, last=100))
    await store.journal.commit("c1", [rec], 1)
    await store.journal.commit("c1", [rec], 1)
    assert await _count(store, findings_history) == 1


async def test_marks_are_kept_per_cluster(store: Store) -> None:
    await store.journal.commit("c1", [metrics_record(1)], 1)
    await store.journal.commit("c2", [metrics_record(1), metrics_record(2)], 2)
    assert await store.journal.high_water_mark("c1") == 1
    assert await store.journal.high_water_mark("c2") == 2
    assert await _count(store, node_metrics_raw, node_metrics_raw.c.cluster == "c2") == 2


async def test_the_mark_never_moves_backwards(store: Store) -> None:
    await store.journal.commit("c1", [metrics_record(1), metrics_record(2)], 2)
    await store.journal.commit("c1", [], 1)
    assert await store.journal.high_water_mark("c1") == 2


async def test_concurrent_commits_share_transactions_and_all_land(store: Store) -> None:
    async def agent(cluster: str) -> None:
        for start in range(1, 201, 10):  # 20 commits of 10 records: seq 1..200
            batch = [metrics_record(seq) for seq in range(start, start + 10)]
            await store.journal.commit(cluster, batch, start + 9)

    await asyncio.gather(*(agent(f"c{i}") for i in range(8)))
    assert await _count(store, node_metrics_raw) == 8 * 200
    assert [await store.journal.high_water_mark(f"c{i}") for i in range(8)] == [200] * 8
    # 160 commits arrived together; group commit must have merged at least some of them.
    assert store.writer.groups_committed < 160


async def test_a_gap_adds_its_dropped_count(store: Store) -> None:
    await store.journal.commit("c1", [gap_record(1, 40, 40)], 40)
    await store.journal.commit("c1", [gap_record(41, 45, 5), metrics_record(46)], 46)
    state = await store.journal.state("c1")
    assert (state.hwm, state.gaps_dropped) == (46, 45)


async def test_metrics_sample_is_stored_with_device_sums(store: Store) -> None:
    await store.journal.commit("c1", [metrics_record(1, node="n1", at_ms=5_000)], 1)
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(node_metrics_raw))).one()._mapping
    assert (row["node"], row["at_ms"], row["cpu_pct"]) == ("n1", 5_000, 10.0)
    assert (row["fs_used"], row["fs_total"], row["disk_util_max"]) == (90, 300, 40.0)
    assert (row["net_rx_bps"], row["net_tx_bps"], row["temp_c"]) == (101.0, 12.0, 55.0)
    assert '"sdb"' in row["detail_json"]


async def test_a_duplicate_sample_for_the_same_instant_does_not_fail_the_batch(
    store: Store,
) -> None:
    await store.journal.commit("c1", [metrics_record(1, at_ms=7), metrics_record(2, at_ms=7)], 2)
    assert await store.journal.high_water_mark("c1") == 2
    assert await _count(store, node_metrics_raw) == 1


async def test_ingress_samples_are_stored(store: Store) -> None:
    await store.journal.commit("c1", [ingress_record(1, requests=7), ingress_record(2)], 2)
    assert await _count(store, ingress_samples, ingress_samples.c.requests == 7) == 1
    assert await _count(store, ingress_samples) == 2


async def test_findings_open_update_and_resolve_one_occurrence(store: Store) -> None:
    await store.journal.commit("c1", [findings_record(1, finding("a", first=100, last=100))], 1)
    await store.journal.commit(
        "c1", [findings_record(2, finding("a", first=100, last=200, count=3, message="again"))], 2
    )
    await store.journal.commit(
        "c1", [findings_record(3, finding("a", first=100, last=300, resolved=True, count=3))], 3
    )
    page = await store.history.findings("c1", from_ms=0, to_ms=1_000)
    assert len(page.items) == 1
    occ = page.items[0]
    assert (occ.opened_ms, occ.last_seen_ms, occ.resolved_ms, occ.count) == (100, 300, 300, 3)


async def test_a_finding_after_resolution_opens_a_new_occurrence(store: Store) -> None:
    await store.journal.commit(
        "c1",
        [
            findings_record(1, finding("a", first=100, last=100)),
            findings_record(2, finding("a", first=100, last=150, resolved=True)),
            findings_record(3, finding("a", first=400, last=400)),
        ],
        3,
    )
    page = await store.history.findings("c1", from_ms=0, to_ms=1_000)
    assert [(o.opened_ms, o.resolved_ms) for o in page.items] == [(400, None), (100, 150)]


async def test_an_agent_restart_count_reset_keeps_the_peak_count(store: Store) -> None:
    await store.journal.commit(
        "c1", [findings_record(1, finding("a", first=1, last=5, count=9))], 1
    )
    await store.journal.commit(
        "c1", [findings_record(2, finding("a", first=1, last=9, count=1))], 2
    )
    page = await store.history.findings("c1", from_ms=0, to_ms=1_000)
    assert [(o.count, o.last_seen_ms) for o in page.items] == [(9, 9)]


async def test_a_resolution_without_an_open_occurrence_is_kept_once(store: Store) -> None:
    resolved = finding("a", first=10, last=20, resolved=True)
    await store.journal.commit("c1", [findings_record(1, resolved)], 1)
    await store.journal.commit("c1", [findings_record(2, resolved)], 2)
    page = await store.history.findings("c1", from_ms=0, to_ms=1_000)
    assert [(o.opened_ms, o.resolved_ms) for o in page.items] == [(10, 20)]


async def test_the_same_fingerprint_is_independent_per_cluster(store: Store) -> None:
    await store.journal.commit("c1", [findings_record(1, finding("a", first=1, last=1))], 1)
    await store.journal.commit(
        "c2", [findings_record(1, finding("a", first=2, last=2, resolved=True))], 1
    )
    c1 = await store.history.findings("c1", from_ms=0, to_ms=100)
    assert [o.resolved_ms for o in c1.items] == [None]


def _command(cid: str, cluster: str = "c1") -> CommandRow:
    return CommandRow(
        id=cid,
        cluster=cluster,
        type="restart",
        target="Deployment/shop/web",
        params_json=b"{}",
        dry_run=False,
        idempotency_key="",
        state=CommandState.PENDING,
        created_ms=1,
        updated_ms=1,
        deadline_ms=60_000,
        requested_by="alice",
    )


async def test_command_updates_from_the_journal_move_the_command(store: Store) -> None:
    await store.commands.insert(_command("cmd-1"))
    await store.journal.commit(
        "c1",
        [
            command_record(1, "cmd-1", CommandState.RUNNING),
            command_record(2, "cmd-1", CommandState.SUCCEEDED, result_json=b'{"ok":true}'),  # type: ignore[arg-type]
        ],
        2,
    )
    row = await store.commands.get("cmd-1")
    assert row is not None
    assert (row.state, row.result_json) == (CommandState.SUCCEEDED, b'{"ok":true}')
    states = [t.state for t in await store.commands.transitions("cmd-1")]
    assert states == [CommandState.PENDING, CommandState.RUNNING, CommandState.SUCCEEDED]


async def test_an_agent_cannot_update_another_clusters_command(store: Store) -> None:
    await store.commands.insert(_command("cmd-b", cluster="c2"))
    await store.journal.commit("c1", [command_record(1, "cmd-b", CommandState.FAILED)], 1)
    row = await store.commands.get("cmd-b")
    assert row is not None
    assert row.state is CommandState.PENDING
    assert await _count(store, command_transitions) == 1
    assert await store.journal.high_water_mark("c1") == 1


@pytest.mark.parametrize("late", [CommandState.RUNNING, CommandState.SUCCEEDED])
async def test_a_late_update_does_not_reopen_a_terminal_command(
    store: Store, late: CommandState
) -> None:
    await store.commands.insert(_command("cmd-1"))
    await store.commands.transition("cmd-1", CommandState.TIMED_OUT, at_ms=5, message="deadline")
    await store.journal.commit("c1", [command_record(1, "cmd-1", late)], 1)
    row = await store.commands.get("cmd-1")
    assert row is not None
    assert (row.state, row.message) == (CommandState.TIMED_OUT, "deadline")


async def test_an_agents_verdict_commits_with_exactly_one_outcome_audit_entry(store: Store) -> None:
    await store.commands.insert(_command("cmd-1"))
    await store.commands.insert(_command("cmd-2"))
    await store.journal.commit(
        "c1",
        [
            command_record(1, "cmd-1", CommandState.RUNNING),
            command_record(2, "cmd-1", CommandState.FAILED),
            command_record(3, "cmd-1", CommandState.SUCCEEDED),  # late: the first verdict holds
            command_record(4, "cmd-2", CommandState.RUNNING),
        ],
        4,
    )
    await store.journal.commit("c1", [command_record(5, "cmd-1", CommandState.SUCCEEDED)], 5)
    finishes = [a for a in await store.audit.list() if a.action == "command.finish"]
    assert [(a.target, a.outcome, a.actor) for a in finishes] == [
        ("Deployment/shop/web", "failed", "alice")
    ]
