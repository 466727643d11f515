"""The audit hash chain, from hand-built entries: an intact log verifies, and every kind of
tampering is named at the first entry it touches."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields, replace

import orjson
import pytest

from master.audit import exporting
from master.audit.chain import GENESIS, Content, Head, Verifier, canonical, entry_hash, verify


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    at_ms: int
    actor: str
    action: str
    cluster: str
    target: str
    detail_json: bytes
    outcome: str
    prev_hash: str
    entry_hash: str


def chained(ids: list[int], *, prev: str = GENESIS) -> list[Row]:
    rows = []
    for i in ids:
        content = Content(
            id=i,
            at_ms=1_000 + i,
            actor=f"user{i % 3}",
            action="user.create",
            cluster="edge" if i % 2 else "",
            target=f"t{i}",
            detail_json=orjson.dumps({"n": i, "role": "viewer"}).decode(),
            outcome="ok",
        )
        digest = entry_hash(prev, content)
        rows.append(
            Row(
                id=i,
                at_ms=content.at_ms,
                actor=content.actor,
                action=content.action,
                cluster=content.cluster,
                target=content.target,
                detail_json=content.detail_json.encode(),
                outcome=content.outcome,
                prev_hash=prev,
                entry_hash=digest,
            )
        )
        prev = digest
    return rows


def head_of(rows: list[Row], floor_id: int = 1, floor_hash: str = GENESIS) -> Head:
    return Head(
        floor_id=floor_id,
        floor_hash=floor_hash,
        last_id=rows[-1].id,
        last_hash=rows[-1].entry_hash,
    )


def rehash(row: Row) -> Row:
    content = Content(
        row.id,
        row.at_ms,
        row.actor,
        row.action,
        row.cluster,
        row.target,
        row.detail_json.decode(),
        row.outcome,
    )
    return replace(row, entry_hash=entry_hash(row.prev_hash, content))


def test_an_intact_log_verifies_with_and_without_its_head() -> None:
    rows = chained(list(range(1, 21)))
    assert verify(rows) is None
    assert verify(rows, head_of(rows)) is None
    assert verify([], Head()) is None


def test_the_hash_is_sha256_hex_and_the_canonical_form_sorts_keys() -> None:
    content = Content(1, 2, "a", "b", "c", "d", "{}", "ok")
    digest = entry_hash(GENESIS, content)
    assert len(digest) == 64 and int(digest, 16) >= 0
    text = canonical(GENESIS, content)
    assert list(orjson.loads(text)) == sorted(orjson.loads(text))
    assert entry_hash(GENESIS, content) == digest  # stable


@pytest.mark.parametrize(
    "field", ["id", "at_ms", "actor", "action", "cluster", "target", "detail_json", "outcome"]
)
def test_every_field_and_the_previous_hash_change_the_hash(field: str) -> None:
    content = Content(1, 2, "a", "b", "c", "d", "{}", "ok")
    value = getattr(content, field)
    changed = replace(content, **{field: value + 1 if isinstance(value, int) else value + "x"})
    assert entry_hash(GENESIS, changed) != entry_hash(GENESIS, content)
    assert entry_hash("1" * 64, content) != entry_hash(GENESIS, content)


@pytest.mark.parametrize("field", ["actor", "detail_json", "outcome", "at_ms"])
def test_an_edited_entry_is_named_altered(field: str) -> None:
    rows = chained(list(range(1, 11)))
    old = getattr(rows[4], field)
    rows[4] = replace(
        rows[4],
        **{field: b'{"n": 5, "role": "admin"}' if field == "detail_json" else old * 2},
    )
    finding = verify(rows, head_of(rows))
    assert finding is not None
    assert (finding.id, finding.problem) == (5, "altered")


def test_an_edit_that_is_rehashed_breaks_the_next_link() -> None:
    rows = chained(list(range(1, 11)))
    rows[4] = rehash(replace(rows[4], actor="mallory"))
    finding = verify(rows)
    assert finding is not None
    assert (finding.id, finding.problem) == (6, "altered")
    assert "entry 5" in finding.reason


def test_a_deleted_entry_is_named_missing() -> None:
    rows = chained(list(range(1, 11)))
    del rows[3]
    finding = verify(rows, head_of(rows))
    assert finding is not None
    assert (finding.id, finding.problem) == (4, "missing")


def test_deleted_first_and_last_entries_are_missing() -> None:
    rows = chained(list(range(1, 11)))
    head = head_of(rows)
    first = verify(rows[2:], head)
    assert first is not None and (first.id, first.problem) == (1, "missing")
    last = verify(rows[:-2], head)
    assert last is not None and (last.id, last.problem) == (9, "missing")
    everything = verify([], head)
    assert everything is not None and (everything.id, everything.problem) == (1, "missing")


def test_two_swapped_entries_are_named_reordered_at_the_first() -> None:
    rows = chained(list(range(1, 11)))
    a, b = rows[2], rows[6]
    rows[2] = replace(b, id=a.id)
    rows[6] = replace(a, id=b.id)
    finding = verify(rows, head_of(rows))
    assert finding is not None
    assert (finding.id, finding.problem) == (3, "reordered")
    assert "entry 7" in finding.reason


def test_an_entry_slipped_into_a_gap_is_named_inserted() -> None:
    rows = chained([1, 2, 4, 5])  # a gap from a rolled-back id, links intact
    assert verify(rows, head_of(rows)) is None
    forged = chained([3], prev=rows[1].entry_hash)[0]
    tampered = [rows[0], rows[1], forged, rows[2], rows[3]]
    finding = verify(tampered, head_of(rows))
    assert finding is not None
    assert (finding.id, finding.problem) == (3, "inserted")


def test_an_entry_appended_behind_the_stores_back_is_inserted() -> None:
    rows = chained(list(range(1, 6)))
    head = head_of(rows)
    extra = chained([6], prev=rows[-1].entry_hash)
    finding = verify(rows + extra, head)
    assert finding is not None
    assert (finding.id, finding.problem) == (6, "inserted")


def test_a_log_purged_from_the_front_verifies_from_its_floor() -> None:
    rows = chained(list(range(1, 11)))
    kept = rows[4:]
    head = head_of(rows, floor_id=5, floor_hash=rows[3].entry_hash)
    assert verify(kept, head) is None
    gone = verify(kept[1:], head)
    assert gone is not None and (gone.id, gone.problem) == (5, "missing")
    assert verify(kept) is not None  # without the floor, the start is not the genesis


def test_the_verifier_stops_at_the_first_finding_and_counts_what_it_read() -> None:
    rows = chained(list(range(1, 11)))
    rows[2] = replace(rows[2], actor="x")
    rows[7] = replace(rows[7], actor="y")
    verifier = Verifier(head_of(rows))
    for row in rows:
        verifier.feed(row)
    finding = verifier.finish()
    assert finding is not None and finding.id == 3
    assert verifier.count == 3


def test_exports_parse_back_in_both_formats() -> None:
    rows = chained([1, 2, 3])
    rows[1] = replace(rows[1], target='quote " comma , newline \n end')
    lines = exporting.page("jsonl", rows).decode().splitlines()
    assert [orjson.loads(line) for line in lines] == [exporting.item(r) for r in rows]
    assert orjson.loads(lines[0])["detail"] == {"n": 1, "role": "viewer"}
    text = (exporting.header("csv") + exporting.page("csv", rows)).decode()
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [int(p["id"]) for p in parsed] == [1, 2, 3]
    assert parsed[1]["target"] == rows[1].target
    assert parsed[2]["entry_hash"] == rows[2].entry_hash
    assert orjson.loads(parsed[0]["detail"]) == {"n": 1, "role": "viewer"}
    assert list(parsed[0]) == list(exporting.COLUMNS)
    assert {f.name for f in fields(Row)} - {"detail_json"} <= set(exporting.COLUMNS)
