"""Property tests: domain -> protobuf -> bytes -> protobuf -> domain is the identity."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.commands import Command, CommandState, CommandUpdate
from shared.domain.findings import Finding, Severity
from shared.domain.ingress import IngressSample
from shared.domain.journal import (
    FindingBatch,
    Gap,
    IngressBatch,
    JournalRecord,
    NodeMetricsBatch,
    PodMetricsBatch,
)
from shared.domain.metrics import DiskIO, Filesystem, Memory, NetIface, NodeMetricsSample
from shared.domain.podmetrics import ContainerUsage, NodeUsage, PodUsage
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta
from shared.wire.journal import (
    command_from_pb,
    command_to_pb,
    record_from_bytes,
    record_to_bytes,
)
from shared.wire.refs import delta_from_pb, delta_to_pb

text = st.text(max_size=12)
name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
u64 = st.integers(min_value=0, max_value=2**63 - 1)
i64 = st.integers(min_value=-(2**62), max_value=2**62)
f64 = st.floats(allow_nan=False, allow_infinity=False, width=64)
labels = st.dictionaries(name, text, max_size=3)
# Agent JSON the wire lets through: one object, or nothing (``shared.wire.payloads``).
json_objects = st.just(b"") | st.dictionaries(name, text | u64, max_size=3).map(orjson.dumps)

refs = st.builds(ObjectRef, kind=name, namespace=text, name=name, uid=text)
findings = st.builds(
    Finding,
    fingerprint=name,
    reason=text,
    severity=st.sampled_from(Severity),
    category=text,
    subject=refs,
    message=text,
    first_seen_ms=i64,
    last_seen_ms=i64,
    owner=st.none() | refs,
    node=text,
    count=st.integers(min_value=0, max_value=2**32 - 1),
    resolved=st.booleans(),
    attrs=labels,
)
samples = st.builds(
    NodeMetricsSample,
    node=name,
    at_ms=i64,
    cpu_percent=f64,
    per_core_percent=st.tuples(f64, f64),
    load1=f64,
    memory=st.builds(Memory, total_bytes=u64, used_bytes=u64),
    disks=st.lists(st.builds(DiskIO, device=name, util_percent=f64), max_size=2).map(tuple),
    filesystems=st.lists(st.builds(Filesystem, mountpoint=text, total_bytes=u64), max_size=2).map(
        tuple
    ),
    interfaces=st.lists(st.builds(NetIface, name=name, rx_errors=u64), max_size=2).map(tuple),
    uptime_s=f64,
    cpu_temp_c=st.none() | f64,
)
ingress = st.integers(min_value=0, max_value=3).flatmap(
    lambda n: st.builds(
        IngressSample,
        controller=text,
        namespace=text,
        ingress=text,
        host=text,
        service=text,
        window_start_ms=i64,
        window_end_ms=i64,
        requests=u64,
        errors=u64,
        latency_bounds_ms=st.tuples(*[f64] * n),
        latency_counts=st.tuples(*[u64] * n),
        gap=st.booleans(),
        reset=st.booleans(),
        target=text,
    )
)
usage = st.floats(min_value=0, max_value=1e9, allow_nan=False, width=64)
pod_usage = st.builds(
    PodUsage,
    namespace=name,
    pod=name,
    at_ms=i64,
    window_ms=i64,
    containers=st.lists(
        st.builds(ContainerUsage, name=text, cpu_millicores=usage, memory_bytes=u64), max_size=3
    ).map(tuple),
)
node_usage = st.builds(
    NodeUsage, node=name, at_ms=i64, window_ms=i64, cpu_millicores=usage, memory_bytes=u64
)
pod_metrics = st.builds(
    PodMetricsBatch,
    pods=st.lists(pod_usage, max_size=3).map(tuple),
    nodes=st.lists(node_usage, max_size=2).map(tuple),
)
updates = st.builds(
    CommandUpdate,
    command_id=name,
    state=st.sampled_from(CommandState),
    at_ms=i64,
    message=text,
    result_json=json_objects,
    error_code=text,
)
bodies = st.one_of(
    st.builds(FindingBatch, st.lists(findings, max_size=3).map(tuple), complete=st.booleans()),
    st.lists(samples, max_size=2).map(lambda ss: NodeMetricsBatch(tuple(ss))),
    st.lists(ingress, max_size=2).map(lambda ss: IngressBatch(tuple(ss))),
    pod_metrics,
    updates,
)


@settings(max_examples=200, deadline=None)
@given(seq=st.integers(min_value=1, max_value=2**62), created=i64, body=bodies)
def test_journal_records_round_trip(seq: int, created: int, body: object) -> None:
    rec = JournalRecord(seq=seq, created_ms=created, body=body)  # type: ignore[arg-type]
    assert record_from_bytes(record_to_bytes(rec)) == rec


@given(first=st.integers(min_value=1, max_value=2**40), span=st.integers(0, 1000), data=st.data())
def test_gaps_round_trip(first: int, span: int, data: st.DataObject) -> None:
    dropped = data.draw(st.integers(0, span + 1))  # a gap drops at most what it covers
    rec = JournalRecord(seq=first, created_ms=0, body=Gap(first, first + span, dropped))
    assert record_from_bytes(record_to_bytes(rec)) == rec


@given(
    kind=name,
    items=st.lists(st.tuples(text, name, text, labels, json_objects), max_size=4),
    deletes=st.lists(st.tuples(text, name), max_size=3),
    snapshot_id=u64,
)
def test_resource_deltas_round_trip(
    kind: str,
    items: list[tuple[str, str, str, dict[str, str], bytes]],
    deletes: list[tuple[str, str]],
    snapshot_id: int,
) -> None:
    delta = ResourceDelta(
        kind=kind,
        upserts=tuple(
            Resource(ObjectRef(kind, ns, n), rv, lab, "warning", body)
            for ns, n, rv, lab, body in items
        ),
        deletes=tuple(ObjectRef(kind, ns, n) for ns, n in deletes),
        snapshot_id=snapshot_id,
    )
    assert delta_from_pb(delta_to_pb(delta)) == delta


@given(
    cmd=st.builds(
        Command,
        id=name,
        type=name,
        target=refs,
        params_json=st.binary(max_size=30),
        dry_run=st.booleans(),
        deadline_ms=i64,
        idempotency_key=text,
        budget_ms=i64,
    )
)
def test_commands_round_trip(cmd: Command) -> None:
    assert command_from_pb(command_to_pb(cmd)) == cmd
