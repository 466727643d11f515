"""Exactly-once filtering of journal batches, and closing findings a complete batch omits."""

from __future__ import annotations

import pytest

from master.errors import SequenceError
from master.processor.journal import fresh_records
from shared.domain.journal import FindingBatch, Gap, JournalRecord


def _rec(seq: int) -> JournalRecord:
    return JournalRecord(seq=seq, created_ms=0, body=FindingBatch(()))


def _gap(first: int, last: int) -> JournalRecord:
    return JournalRecord(seq=first, created_ms=0, body=Gap(first, last, last - first + 1))


def test_replayed_records_are_dropped_and_the_mark_advances() -> None:
    fresh, mark = fresh_records(3, [_rec(2), _rec(3), _rec(4), _rec(5)])
    assert [r.seq for r in fresh] == [4, 5]
    assert mark == 5


def test_a_gap_overlapping_the_mark_is_clipped_to_what_did_not_arrive() -> None:
    # The spool dropped 3..9 unacknowledged, but 3..5 had reached the master: 6..9 are lost.
    fresh, mark = fresh_records(5, [_gap(3, 9), _rec(10)])
    assert [(r.seq, r.body) for r in fresh] == [(6, Gap(6, 9, 4)), (10, FindingBatch(()))]
    assert mark == 10
    # A gap below the mark entirely was a replay; one past it is kept as it came.
    assert fresh_records(9, [_gap(3, 9)]) == ([], 9)
    assert fresh_records(2, [_gap(3, 9)]) == ([_gap(3, 9)], 9)


def test_a_hole_in_the_sequence_is_a_protocol_error() -> None:
    with pytest.raises(SequenceError, match="7 arrived while 5 was expected"):
        fresh_records(4, [_rec(7)])


def test_nothing_fresh_keeps_the_mark() -> None:
    assert fresh_records(9, [_rec(8), _rec(9)]) == ([], 9)


def test_complete_batch_resolves_findings_the_restarted_agent_no_longer_sees() -> None:
    from master.processor.reconcile import close_missing
    from shared.domain.findings import Finding, Severity
    from shared.domain.refs import ObjectRef

    def f(fp: str) -> Finding:
        return Finding(
            fp, "OOMKilled", Severity.WARNING, "pod", ObjectRef("Pod", "a", fp), "m", 1, 1
        )

    active = {"gone": f("gone"), "still": f("still")}
    rec = JournalRecord(
        seq=1, created_ms=50, body=FindingBatch((f("still"), f("new")), complete=True)
    )
    [out] = close_missing([rec], active)
    assert isinstance(out.body, FindingBatch)
    by_fp = {x.fingerprint: x for x in out.body.findings}
    assert by_fp["gone"].resolved and by_fp["gone"].last_seen_ms == 50
    assert not by_fp["still"].resolved and not by_fp["new"].resolved
    # An incremental batch never resolves anything it does not mention.
    partial = JournalRecord(seq=2, created_ms=60, body=FindingBatch((f("new"),)))
    assert close_missing([partial], active) == [partial]


def test_every_agent_frame_but_hello_has_a_decoder_and_a_processor_handler() -> None:
    from master.ingress.reading import DECODERS
    from master.processor.frames import HANDLERS
    from shared.pb.lookout.v1 import link_pb2

    oneof = link_pb2.AgentFrame.DESCRIPTOR.oneofs_by_name["frame"]
    frame_types = {f.name for f in oneof.fields} - {"hello"}
    assert set(DECODERS) == frame_types
    assert set(HANDLERS) == frame_types
