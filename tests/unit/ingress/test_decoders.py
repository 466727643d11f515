"""The session reader's decoders, fuzzed: whatever an agent sends, a frame either decodes into
values the DataHub and store may hold (JSON objects for bodies and results, mirrored kinds,
gaps within bounds) or is refused with the protocol's own errors -- nothing else escapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from master.datahub.limits import AgentLimitExceeded
from master.errors import ProtocolError
from master.ingress.reading import DECODERS, FrameRules
from shared.domain.commands import CommandUpdate
from shared.domain.journal import Gap, JournalRecord
from shared.domain.resources import ResourceDelta, Synced
from shared.kinds import MIRRORED
from shared.pb.lookout.v1 import commands_pb2, findings_pb2, link_pb2
from shared.pb.lookout.v1 import resources_pb2 as rpb
from shared.wire.errors import WireError
from shared.wire.journal import GAP_SPAN_MAX, SEQ_MAX

RULES = FrameRules(batch_max=512, items_max=1_000)
u64 = st.integers(min_value=0, max_value=2**64 - 1)
kinds = st.sampled_from(sorted(MIRRORED)) | st.text(max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
payloads = st.binary(max_size=40) | json_values.map(orjson.dumps) | st.just(b"")


def _is_object(raw: bytes) -> bool:
    if not raw:
        return True
    try:
        return isinstance(orjson.loads(raw), dict)
    except orjson.JSONDecodeError:
        return False


def _decode(frame: link_pb2.AgentFrame, rules: FrameRules = RULES) -> Any:
    kind = frame.WhichOneof("frame")
    assert kind is not None
    value = DECODERS[kind](frame, rules)
    return list(value) if kind == "status" else value


def _refused_or(frame: link_pb2.AgentFrame) -> Any:
    try:
        return _decode(frame)
    except (ProtocolError, WireError):
        return None


@settings(max_examples=300, deadline=None)
@given(kind=kinds, bodies=st.lists(payloads, max_size=4))
def test_resource_bodies_are_json_objects_or_the_frame_is_refused(
    kind: str, bodies: list[bytes]
) -> None:
    upserts = [
        rpb.Resource(ref=rpb.ObjectRef(kind=kind, name=f"o{i}"), body_json=b)
        for i, b in enumerate(bodies)
    ]
    delta = _refused_or(link_pb2.AgentFrame(delta=rpb.ResourceDelta(kind=kind, upserts=upserts)))
    if delta is None:
        assert kind not in MIRRORED or not all(_is_object(b) for b in bodies)
        return
    assert isinstance(delta, ResourceDelta) and delta.kind in MIRRORED
    assert all(_is_object(r.body_json) for r in delta.upserts)
    assert [r.body_json for r in delta.upserts] == bodies  # a valid body is kept byte for byte


@settings(max_examples=300, deadline=None)
@given(result=payloads, state=st.integers(0, 8))
def test_command_results_are_json_objects_and_an_invalid_one_is_marked_not_lost(
    result: bytes, state: int
) -> None:
    update = commands_pb2.CommandUpdate(command_id="c1", state=state, result_json=result)
    record = link_pb2.JournalRecord(seq=1, command_update=update)
    got = _refused_or(link_pb2.AgentFrame(journal=link_pb2.JournalBatch(records=[record])))
    if got is None:
        return  # an unknown state: a protocol error, as before
    [rec] = got
    assert isinstance(rec, JournalRecord) and isinstance(rec.body, CommandUpdate)
    assert _is_object(rec.body.result_json)
    if _is_object(result):
        assert rec.body.result_json == result
    else:
        assert orjson.loads(rec.body.result_json)["error"] == "invalid_result"


@settings(max_examples=300, deadline=None)
@given(seq=st.integers(1, 2**63), span=u64, dropped=u64)
def test_gaps_never_reach_past_their_bounds(seq: int, span: int, dropped: int) -> None:
    last = min(seq + span, 2**64 - 1)
    gap = link_pb2.Gap(first_seq=seq, last_seq=last, dropped=dropped)
    record = link_pb2.JournalRecord(seq=seq, gap=gap)
    got = _refused_or(link_pb2.AgentFrame(journal=link_pb2.JournalBatch(records=[record])))
    ok = last - seq < GAP_SPAN_MAX and last <= SEQ_MAX and dropped <= last - seq + 1
    assert (got is not None) == ok
    if got is not None:
        [rec] = got
        assert isinstance(rec.body, Gap) and rec.last_seq <= SEQ_MAX


def test_a_gap_claiming_an_absurd_last_seq_is_refused() -> None:
    gap = link_pb2.Gap(first_seq=5, last_seq=2**63, dropped=1)
    frame = link_pb2.AgentFrame(
        journal=link_pb2.JournalBatch(records=[link_pb2.JournalRecord(seq=5, gap=gap)])
    )
    with pytest.raises(WireError, match="invalid range"):
        _decode(frame)


@settings(max_examples=200, deadline=None)
@given(status_kinds=st.lists(kinds, max_size=4), synced_kinds=st.lists(kinds, max_size=4))
def test_status_and_synced_name_mirrored_kinds_only(
    status_kinds: list[str], synced_kinds: list[str]
) -> None:
    status = link_pb2.AgentStatus(
        sources=[rpb.SourceStatus(kind=k, state="synced") for k in status_kinds]
    )
    got = _refused_or(link_pb2.AgentFrame(status=status))
    assert (got is not None) == all(k in MIRRORED for k in status_kinds)
    synced = _refused_or(link_pb2.AgentFrame(synced=rpb.Synced(snapshot_id=1, kinds=synced_kinds)))
    assert (synced is not None) == all(k in MIRRORED for k in synced_kinds)
    if synced is not None:
        assert isinstance(synced, Synced)


def test_a_record_over_the_items_bound_is_refused_before_decoding() -> None:
    # Findings with no fingerprint would not decode: the bound is checked first.
    batch = findings_pb2.FindingBatch(findings=[findings_pb2.Finding()] * 1_001)
    frame = link_pb2.AgentFrame(
        journal=link_pb2.JournalBatch(records=[link_pb2.JournalRecord(seq=3, findings=batch)])
    )
    with pytest.raises(AgentLimitExceeded, match="journal record 3 holds 1001 items") as info:
        _decode(frame)
    assert (info.value.limit, info.value.seq) == ("journal_items", 3)


def test_records_are_summed_against_the_items_bound() -> None:
    def record(seq: int) -> link_pb2.JournalRecord:
        return link_pb2.JournalRecord(
            seq=seq, findings=findings_pb2.FindingBatch(findings=[findings_pb2.Finding()] * 400)
        )

    frame = link_pb2.AgentFrame(
        journal=link_pb2.JournalBatch(records=[record(1), record(2), record(3)])
    )
    with pytest.raises(AgentLimitExceeded, match="frame of 3 records holds 1200 items"):
        _decode(frame)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_are_refused_as_protocol_errors(raw: bytes) -> None:
    frame = link_pb2.AgentFrame()
    try:
        frame.ParseFromString(raw)
    except Exception:  # protobuf's DecodeError: grpc refuses these before the reader
        return
    kind = frame.WhichOneof("frame")
    if kind is None or kind == "hello":
        return
    _refused_or(frame)  # anything but ProtocolError/WireError fails the test
