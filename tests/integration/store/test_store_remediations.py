"""The remediations repository on SQLite and MariaDB: one open remediation per finding, the
state's compare-and-set (single use of an approval), audit entries committed with each move,
the automatic runs automation counts, and the policy document."""

from __future__ import annotations

import asyncio

from master.store import AuditEntry, Store
from master.store.engine.opening import open_engine
from master.store.repositories.remediations import RemediationRow
from master.store.schema.migrating import migrate
from master.store.schema.migrations import MIGRATIONS, m0009_remediations

OPEN = ("suggested", "previewed", "pending_approval", "approved")


def _row(
    rid: str, *, fingerprint: str = "fp1", state: str = "suggested", **extra: object
) -> RemediationRow:
    values: dict[str, object] = {
        "id": rid,
        "cluster": "edge",
        "namespace": "shop",
        "target_kind": "Deployment",
        "target_name": "checkout",
        "fingerprint": fingerprint,
        "reason": "CrashLoopBackOff",
        "state": state,
        "auto": False,
        "suggestion_json": '{"id": "s1"}',
        "created_ms": 1000,
        "updated_ms": 1000,
    }
    values.update(extra)
    return RemediationRow(**values)  # type: ignore[arg-type]


def _audit(action: str) -> AuditEntry:
    return AuditEntry(at_ms=1, actor="otto", action=action, cluster="edge")


async def test_a_reason_on_a_target_has_one_open_remediation_at_a_time(store: Store) -> None:
    repo = store.remediations
    assert await repo.insert(_row("r1"), open_states=OPEN, audit=_audit("remediation.suggest"))
    # Another pod's finding of the same reason on the same Deployment: the same fix.
    again = await repo.insert(
        _row("r2", fingerprint="fp2"), open_states=OPEN, audit=_audit("remediation.suggest")
    )
    assert again is None
    other = _row("r4", fingerprint="fp4", reason="OOMKilled")
    assert await repo.insert(other, open_states=OPEN, audit=_audit("remediation.suggest"))
    assert await repo.get("r2") is None
    # Once the first has ended, the same finding may be suggested again.
    done = await repo.move(
        "r1", expect={"suggested"}, changes={"state": "rejected"}, note={"state": "rejected"},
        audit=None,
    )  # fmt: skip
    assert done is not None and done.state == "rejected"
    assert await repo.insert(_row("r3"), open_states=OPEN, audit=_audit("remediation.suggest"))


async def test_a_move_happens_only_from_an_expected_state_and_records_its_history(
    store: Store,
) -> None:
    repo = store.remediations
    await repo.insert(_row("r1", state="approved"), open_states=OPEN, audit=_audit("x"))
    first = await repo.move(
        "r1", expect={"approved"}, changes={"state": "running", "ran_ms": 5},
        note={"state": "running", "by": "olga"}, audit=_audit("remediation.running"),
    )  # fmt: skip
    second = await repo.move(
        "r1", expect={"approved"}, changes={"state": "running", "ran_ms": 6},
        note={"state": "running", "by": "ada"}, audit=_audit("remediation.running"),
    )  # fmt: skip
    assert first is not None and second is None
    stored = await repo.get("r1")
    assert stored is not None and stored.ran_ms == 5
    assert [h["by"] for h in stored.history] == ["olga"]
    actions = [e.action for e in await store.audit.list(limit=10)]
    assert actions.count("remediation.running") == 1  # the losing move wrote no audit entry


async def test_racing_moves_of_one_approval_find_exactly_one_winner(store: Store) -> None:
    repo = store.remediations
    await repo.insert(_row("r1", state="approved"), open_states=OPEN, audit=_audit("x"))
    results = await asyncio.gather(
        *(
            repo.move(
                "r1",
                expect={"approved"},
                changes={"state": "running"},
                note={"by": str(i)},
                audit=None,
            )
            for i in range(8)
        )
    )
    assert sum(r is not None for r in results) == 1


async def test_listing_is_newest_first_by_cluster_and_state(store: Store) -> None:
    repo = store.remediations
    for i, (cluster, state) in enumerate(
        (("edge", "suggested"), ("core", "suggested"), ("edge", "worse"))
    ):
        row = _row(f"r{i}", fingerprint=f"fp{i}", cluster=cluster, state=state, created_ms=i,
                   target_name=f"app{i}")  # fmt: skip
        await repo.insert(row, open_states=OPEN, audit=_audit("x"))
    assert [r.id for r in await repo.page()] == ["r2", "r1", "r0"]
    assert [r.id for r in await repo.page(cluster="edge")] == ["r2", "r0"]
    assert [r.id for r in await repo.page(states=["worse"])] == ["r2"]
    assert [r.id for r in await repo.page(before_ms=2, limit=1)] == ["r1"]
    assert {r.id for r in await repo.in_states(["suggested"])} == {"r0", "r1"}


async def test_automatic_runs_are_counted_per_cluster_since_a_time(store: Store) -> None:
    repo = store.remediations
    rows = [
        _row("a", fingerprint="1", auto=True, ran_ms=100, outcome="no_effect", state="no_effect"),
        _row("b", fingerprint="2", auto=True, ran_ms=200, state="running"),
        _row("c", fingerprint="3", auto=False, ran_ms=300, state="running"),  # a person's
        _row("d", fingerprint="4", auto=True, ran_ms=50, state="resolved"),  # too old
        _row("e", fingerprint="5", auto=True, ran_ms=250, cluster="core", state="running"),
    ]
    for r in rows:
        await repo.insert(r, open_states=OPEN, audit=_audit("x"))
    assert sorted(await repo.auto_runs("edge", since_ms=100)) == [(100, "no_effect"), (200, "")]


async def test_the_policy_document_is_replaced_whole_and_audited(store: Store) -> None:
    repo = store.remediations
    assert await repo.policy() is None
    await repo.put_policy('{"rules": []}', by="ada", now_ms=5, audit=_audit("remediation.policy"))
    await repo.put_policy('{"rules": [1]}', by="ada", now_ms=6, audit=_audit("remediation.policy"))
    got = await repo.policy()
    assert got is not None and (got.body_json, got.updated_ms) == ('{"rules": [1]}', 6)
    actions = [e.action for e in await store.audit.list(limit=10)]
    assert actions.count("remediation.policy") == 2


async def test_migration_9_adds_the_remediation_tables_and_reruns_cleanly(dsn: str) -> None:
    opened = await open_engine(dsn)
    try:
        steps = {n: m for n, m in MIGRATIONS.items() if n < 9}
        assert await migrate(opened.engine, now_ms=1, steps=steps) == 8
    finally:
        await opened.engine.dispose()
    store = await Store.open(dsn)
    try:
        async with store.engine.begin() as conn:
            await m0009_remediations.upgrade(conn)  # a half-applied step runs again: no error
        assert await store.remediations.insert(
            _row("r1"), open_states=OPEN, audit=_audit("remediation.suggest")
        )
    finally:
        await store.close()
