"""The alert state and the notification outbox as their repositories promise, on SQLite and
MariaDB: a step commits whole, claims lease the oldest unfinished row per group, a lease left
by a crash expires, dead letters can be retried by an admin."""

from __future__ import annotations

from master.store import Store
from master.store.repositories.alert_state import AlertStep
from master.store.repositories.notifications import OutboxInsert, OutboxLease

LEASE = 30_000


def _n(key: str, group: str = "g1", receiver: str = "hook") -> OutboxInsert:
    return OutboxInsert(receiver, group, key, {"idempotency_key": key, "group_key": group})


async def test_a_saved_step_loads_back_and_deletes_what_it_names(store: Store) -> None:
    step = AlertStep(
        alerts={"fp1": {"fingerprint": "fp1", "status": "firing"}, "fp2": {"fingerprint": "fp2"}},
        groups={"g": {"receiver": "hook", "sequence": 1}},
        noise={"buckets": []},
        silences=[
            {
                "id": "s1",
                "matchers": ['namespace="prod"'],
                "starts_at_ms": 1,
                "ends_at_ms": 9,
                "created_by": "ann",
                "comment": "upgrade",
                "created_at_ms": 1,
            }
        ],
        outbox=[_n("k1")],
    )
    ids = await store.alerts.save(step, now_ms=100)
    assert len(ids) == 1
    await store.alerts.save(
        AlertStep(alerts={"fp1": {"fingerprint": "fp1", "status": "resolved"}},
                  deleted_alerts=["fp2"], deleted_groups=["g"]),
        now_ms=200,
    )  # fmt: skip
    loaded = await store.alerts.load()
    assert loaded.alerts == [{"fingerprint": "fp1", "status": "resolved"}]
    assert loaded.groups == []
    assert loaded.noise == {"buckets": []}
    assert [s["matchers"] for s in loaded.silences] == [['namespace="prod"']]


async def test_a_notification_already_queued_is_not_queued_again(store: Store) -> None:
    assert len(await store.alerts.save(AlertStep(outbox=[_n("k1")]), now_ms=1)) == 1
    assert await store.alerts.save(AlertStep(outbox=[_n("k1")]), now_ms=2) == []
    assert len(await store.notifications.rows()) == 1


async def test_only_the_oldest_unfinished_of_a_group_is_claimed(store: Store) -> None:
    await store.notifications.enqueue([_n("a1"), _n("a2"), _n("b1", group="g2")], now_ms=10)
    first = await store.notifications.claim(10, 10, lease_ms=LEASE)
    assert [r.idempotency_key for r in first] == ["a1", "b1"]
    assert await store.notifications.claim(11, 10, lease_ms=LEASE) == []
    assert await store.notifications.succeeded(first[0].id, 12, 200)
    nxt = await store.notifications.claim(13, 10, lease_ms=LEASE)
    assert [r.idempotency_key for r in nxt] == ["a2"]


async def test_a_claim_takes_at_most_each_receiver_s_room_and_fills_up_with_others(
    store: Store,
) -> None:
    slow = [_n(f"s{i}", group=f"gs{i}", receiver="slow") for i in range(6)]
    await store.notifications.enqueue([*slow, _n("f1", group="gf", receiver="fast")], now_ms=10)
    room = {"slow": 2, "fast": 5}
    first = await store.notifications.claim(10, 4, lease_ms=LEASE, room=room.__getitem__)
    assert [r.idempotency_key for r in first] == ["s0", "s1", "f1"]
    # what was past slow's room stays pending: a later claim with room takes it
    more = await store.notifications.claim(11, 10, lease_ms=LEASE, room=lambda _r: 1)
    assert [r.idempotency_key for r in more] == ["s2"]


async def test_a_retry_waits_for_its_time_and_keeps_the_group_blocked(store: Store) -> None:
    await store.notifications.enqueue([_n("a1"), _n("a2")], now_ms=10)
    (row,) = await store.notifications.claim(10, 10, lease_ms=LEASE)
    assert await store.notifications.retry_at(row.id, 500, "503", now_ms=20)
    assert await store.notifications.claim(499, 10, lease_ms=LEASE) == []
    (again,) = await store.notifications.claim(500, 10, lease_ms=LEASE)
    assert (again.idempotency_key, again.attempts, again.last_error) == ("a1", 1, "503")


async def test_a_lease_left_by_a_crash_expires(store: Store) -> None:
    await store.notifications.enqueue([_n("a1")], now_ms=10)
    (row,) = await store.notifications.claim(10, 10, lease_ms=LEASE)
    assert await store.notifications.claim(10 + LEASE - 1, 10, lease_ms=LEASE) == []
    (again,) = await store.notifications.claim(10 + LEASE, 10, lease_ms=LEASE)
    assert again.id == row.id


async def test_an_enrichment_replaces_the_payload_of_a_leased_row_only(store: Store) -> None:
    await store.notifications.enqueue([_n("a1")], now_ms=10)
    (row,) = await store.notifications.claim(10, 10, lease_ms=LEASE)
    enriched = {**row.payload, "attachments": [{"title": "logs", "text": "boom", "kind": "logs"}]}
    assert await store.notifications.set_payload(row.id, enriched, now_ms=11)
    await store.notifications.retry_at(row.id, 20, "503", now_ms=12)
    (again,) = await store.notifications.claim(20, 10, lease_ms=LEASE)
    assert again.payload == enriched  # the retry resends what the first attempt sent
    await store.notifications.succeeded(row.id, 21, 200)
    assert not await store.notifications.set_payload(row.id, row.payload, now_ms=22)
    stored = await store.notifications.get(row.id)
    assert stored is not None and stored.payload == enriched


async def test_a_dead_letter_is_listed_and_an_admin_retry_makes_it_pending(store: Store) -> None:
    await store.notifications.enqueue([_n("a1"), _n("a2")], now_ms=10)
    (row,) = await store.notifications.claim(10, 10, lease_ms=LEASE)
    assert await store.notifications.dead(row.id, 20, "410 gone")
    assert not await store.notifications.succeeded(row.id, 21, 200)  # not leased any more
    assert [r.id for r in await store.notifications.rows(state="dead")] == [row.id]
    (nxt,) = await store.notifications.claim(30, 10, lease_ms=LEASE)
    assert nxt.idempotency_key == "a2"  # a dead row no longer blocks its group
    retried = await store.notifications.retry(row.id, now_ms=40)
    assert retried is not None and (retried.state, retried.since_ms) == ("pending", 40)
    assert await store.notifications.retry(row.id, now_ms=41) is None


async def test_a_step_leases_only_rows_claim_would_give_and_no_more_than_asked(
    store: Store,
) -> None:
    await store.notifications.enqueue([_n("old", group="busy")], now_ms=1)
    step = AlertStep(
        outbox=[_n("b2", group="busy"), _n("a1"), _n("a2"), _n("c1", group="g3"), _n("d1", "g4")]
    )
    lease = OutboxLease(limit=2, until_ms=10 + LEASE)
    written = await store.alerts.save_leasing(step, now_ms=10, lease=lease)
    keys = {r.id: r.idempotency_key for r in await store.notifications.rows()}
    # Not "b2" (its group has "old" unfinished), not "a2" (behind "a1"), and at most two.
    assert [keys[id] for id, _ in written.leased] == ["a1", "c1"]
    assert [row.idempotency_key for _, row in written.leased] == ["a1", "c1"]
    assert len(written.ids) == 5
    # Claims leave the leased rows to their sender until the lease ends.
    claimed = await store.notifications.claim(11, 10, lease_ms=LEASE)
    assert sorted(r.idempotency_key for r in claimed) == ["d1", "old"]
    ended = await store.notifications.claim(10 + LEASE, 10, lease_ms=LEASE)
    assert sorted(r.idempotency_key for r in ended) == ["a1", "c1"]  # a sender that died


async def test_attempts_are_logged_newest_first(store: Store) -> None:
    await store.notifications.log_attempts(
        [
            {"outbox_id": 1, "receiver": "hook", "channel": "webhook", "group_key": "g",
             "idempotency_key": "k", "attempt": n, "at_ms": n, "outcome": "retry",
             "status": 503, "error": "busy", "next_attempt_ms": n + 1}
            for n in (1, 2)
        ]
    )  # fmt: skip
    rows = await store.notifications.attempts(outbox_id=1)
    assert [r.attempt for r in rows] == [2, 1]
