"""Alert history as its repository promises, on SQLite and MariaDB: an ended episode saved with
its step comes back newest first, once however often it is re-saved; filters, the time range,
the caller's visibility and keyset pages all narrow the same ordered list."""

from __future__ import annotations

import pytest

from master.store import Store
from master.store.repositories.alert_history import AlertHistoryInsert
from master.store.repositories.alert_state import AlertStep


def _episode(
    n: int, *, cluster: str = "edge", namespace: str = "shop", severity: str = "critical"
) -> AlertHistoryInsert:
    return AlertHistoryInsert(
        fingerprint=f"fp-{cluster}-{namespace}-{n}",
        labels={"cluster": cluster, "namespace": namespace, "severity": severity, "name": str(n)},
        annotations={"message": f"episode {n}", "count": "9"},
        rule="default",
        starts_at_ms=1_000 * n,
        ends_at_ms=1_000 * n + 500,
        acked_by="otto" if n == 1 else "",
    )


def _everyone(labels: object) -> bool:
    return True


async def test_ended_episodes_come_back_newest_first_and_once(store: Store) -> None:
    await store.alerts.save(AlertStep(history=[_episode(1), _episode(2)]), now_ms=10_000)
    await store.alerts.save(AlertStep(history=[_episode(2), _episode(3)]), now_ms=11_000)
    page = await store.alert_history.page(from_ms=0, to_ms=100_000, visible=_everyone)
    assert [a.labels["name"] for a in page.items] == ["3", "2", "1"]
    assert page.next_cursor is None
    oldest = page.items[-1]
    assert (oldest.starts_at_ms, oldest.ends_at_ms, oldest.acked_by) == (1_000, 1_500, "otto")
    assert oldest.annotations == {"message": "episode 1", "count": "9"}
    assert oldest.recorded_ms == 10_000


async def test_filters_range_and_visibility_narrow_the_list(store: Store) -> None:
    history = [
        _episode(1),
        _episode(2, namespace="web"),
        _episode(3, cluster="core"),
        _episode(4, severity="warning"),
        _episode(50),
    ]
    await store.alerts.save(AlertStep(history=history), now_ms=1)

    async def names(**kw: object) -> list[str]:
        args: dict[str, object] = {"from_ms": 0, "to_ms": 100_000, "visible": _everyone, **kw}
        page = await store.alert_history.page(**args)  # type: ignore[arg-type]
        return [a.labels["name"] for a in page.items]

    assert await names(cluster="core") == ["3"]
    assert await names(cluster="edge", namespace="web") == ["2"]
    assert await names(severity="warning") == ["4"]
    # Overlapping [from, to): episode 4 ran 4.0-4.5 s, episode 50 from 50 s.
    assert await names(from_ms=4_200, to_ms=40_000) == ["4"]
    assert await names(visible=lambda labels: labels["namespace"] == "web") == ["2"]


async def test_pages_follow_the_cursor_to_the_end_even_when_few_rows_are_visible(
    store: Store,
) -> None:
    history = [_episode(n, namespace="web" if n % 3 else "shop") for n in range(1, 31)]
    await store.alerts.save(AlertStep(history=history), now_ms=1)

    def shop(labels: object) -> bool:
        assert isinstance(labels, dict)
        return bool(labels["namespace"] == "shop")

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = await store.alert_history.page(
            from_ms=0, to_ms=100_000, visible=shop, limit=4, cursor=cursor
        )
        assert len(page.items) == 4 or page.next_cursor is None  # full pages, not short ones
        seen += [a.labels["name"] for a in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [str(n) for n in range(30, 0, -1) if n % 3 == 0]
    with pytest.raises(ValueError, match="invalid cursor"):
        await store.alert_history.page(from_ms=0, to_ms=1, visible=_everyone, cursor="nope")
