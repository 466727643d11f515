"""A command result stored before the master checked results at ingress reads as the error
marker, so command GET and list answer 200 on old data too."""

from __future__ import annotations

import orjson

from master.store import Store
from master.store.repositories.rows import CommandRow
from shared.domain.commands import CommandState


def _command(cid: str, result: bytes) -> CommandRow:
    return CommandRow(
        id=cid,
        cluster="prod",
        type="cordon",
        target="Node/-/n1",
        params_json=b"{}",
        dry_run=False,
        idempotency_key="",
        state=CommandState.SUCCEEDED,
        created_ms=1,
        updated_ms=2,
        deadline_ms=30_000,
        requested_by="alice",
        result_json=result,
    )


async def test_a_stored_invalid_result_reads_as_the_error_marker(store: Store) -> None:
    await store.commands.insert(_command("bad", b'{"cordoned": tru'))
    await store.commands.insert(_command("good", b'{"cordoned": true}'))
    bad = await store.commands.get("bad")
    assert bad is not None and orjson.loads(bad.result_json)["error"] == "invalid_result"
    good = await store.commands.get("good")
    assert good is not None and good.result_json == b'{"cordoned": true}'
    listed = {r.id: r.result_json for r in await store.commands.list(cluster="prod")}
    assert orjson.loads(listed["bad"])["error"] == "invalid_result"
