"""Journal record conversions: findings, node metrics, ingress samples, pod metrics, command
updates, gaps.

Decoding checks what would otherwise corrupt the receiver's state: a command result must be a
JSON object (an invalid one becomes an error marker, ``shared.wire.payloads``), and a gap covers
at most ``GAP_SPAN_MAX`` sequence numbers, ends at or below ``SEQ_MAX`` and claims no more
dropped records than it covers -- a gap claiming an absurd ``last_seq`` would move the
master's high-water mark so far that every later record looked like a replay."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.domain.commands import Command, CommandCancel, CommandState, CommandUpdate
from shared.domain.findings import Finding, Severity
from shared.domain.ingress import IngressSample
from shared.domain.journal import (
    FindingBatch,
    Gap,
    IngressBatch,
    JournalBody,
    JournalRecord,
    NodeMetricsBatch,
    PodMetricsBatch,
)
from shared.pb.lookout.v1 import commands_pb2, findings_pb2, ingress_pb2, link_pb2
from shared.wire.errors import WireError
from shared.wire.flat import build, values_of
from shared.wire.metrics import sample_from_pb, sample_to_pb
from shared.wire.payloads import command_result
from shared.wire.podmetrics import pod_metrics_from_pb, pod_metrics_to_pb
from shared.wire.refs import ref_from_pb, ref_to_pb

_NO_ATTRS: Mapping[str, str] = MappingProxyType({})

# A gap stands for records an agent produced and could not keep. 2**40 of them is centuries
# of a busy agent's output; a wider gap is a lie. Sequence numbers stay well inside the
# store's signed 64-bit columns.
GAP_SPAN_MAX = 2**40
SEQ_MAX = 2**62

_SEVERITY_TO_PB = {
    Severity.INFO: findings_pb2.SEVERITY_INFO,
    Severity.WARNING: findings_pb2.SEVERITY_WARNING,
    Severity.CRITICAL: findings_pb2.SEVERITY_CRITICAL,
}
_SEVERITY_FROM_PB = {v: k for k, v in _SEVERITY_TO_PB.items()}

_STATE_TO_PB = {
    CommandState.PENDING: commands_pb2.COMMAND_STATE_PENDING,
    CommandState.SENT: commands_pb2.COMMAND_STATE_SENT,
    CommandState.RUNNING: commands_pb2.COMMAND_STATE_RUNNING,
    CommandState.SUCCEEDED: commands_pb2.COMMAND_STATE_SUCCEEDED,
    CommandState.FAILED: commands_pb2.COMMAND_STATE_FAILED,
    CommandState.TIMED_OUT: commands_pb2.COMMAND_STATE_TIMED_OUT,
    CommandState.CANCELLED: commands_pb2.COMMAND_STATE_CANCELLED,
}
_STATE_FROM_PB = {v: k for k, v in _STATE_TO_PB.items()}


def finding_to_pb(f: Finding) -> findings_pb2.Finding:
    msg = findings_pb2.Finding(
        fingerprint=f.fingerprint,
        reason=f.reason,
        severity=_SEVERITY_TO_PB[f.severity],
        category=f.category,
        subject=ref_to_pb(f.subject),
        node=f.node,
        message=f.message,
        first_seen_ms=f.first_seen_ms,
        last_seen_ms=f.last_seen_ms,
        count=f.count,
        resolved=f.resolved,
        attrs=dict(f.attrs),
    )
    if f.owner is not None:
        msg.owner.CopyFrom(ref_to_pb(f.owner))
    return msg


def finding_from_pb(msg: findings_pb2.Finding) -> Finding:
    if not msg.fingerprint:
        raise WireError("finding without fingerprint")
    try:
        severity = _SEVERITY_FROM_PB[msg.severity]
    except KeyError:
        raise WireError(f"finding {msg.fingerprint} has no valid severity") from None
    attrs = msg.attrs
    return Finding(
        fingerprint=msg.fingerprint,
        reason=msg.reason,
        severity=severity,
        category=msg.category,
        subject=ref_from_pb(msg.subject),
        owner=ref_from_pb(msg.owner) if msg.HasField("owner") else None,
        node=msg.node,
        message=msg.message,
        first_seen_ms=msg.first_seen_ms,
        last_seen_ms=msg.last_seen_ms,
        count=msg.count,
        resolved=msg.resolved,
        # protobuf's map -> dict copy costs microseconds even when empty (hot path).
        attrs={k: attrs[k] for k in attrs} if attrs else _NO_ATTRS,
    )


def ingress_to_pb(s: IngressSample) -> ingress_pb2.IngressSample:
    return ingress_pb2.IngressSample(**values_of(s))


def ingress_from_pb(m: ingress_pb2.IngressSample) -> IngressSample:
    if len(m.latency_bounds_ms) != len(m.latency_counts):
        raise WireError("ingress sample: latency bounds and counts differ in length")
    return build(IngressSample, m)


def command_update_to_pb(u: CommandUpdate) -> commands_pb2.CommandUpdate:
    return commands_pb2.CommandUpdate(
        command_id=u.command_id,
        state=_STATE_TO_PB[u.state],
        at_ms=u.at_ms,
        message=u.message,
        result_json=u.result_json,
        error_code=u.error_code,
    )


def command_update_from_pb(m: commands_pb2.CommandUpdate) -> CommandUpdate:
    if not m.command_id or m.state not in _STATE_FROM_PB:
        raise WireError("command update without id or with an unknown state")
    return CommandUpdate(
        command_id=m.command_id,
        state=_STATE_FROM_PB[m.state],
        at_ms=m.at_ms,
        message=m.message,
        result_json=command_result(m.result_json),
        error_code=m.error_code,
    )


def command_to_pb(c: Command) -> commands_pb2.Command:
    return commands_pb2.Command(
        id=c.id,
        type=c.type,
        target=ref_to_pb(c.target),
        params_json=c.params_json,
        dry_run=c.dry_run,
        deadline_ms=c.deadline_ms,
        idempotency_key=c.idempotency_key,
        budget_ms=c.budget_ms,
    )


def command_from_pb(m: commands_pb2.Command) -> Command:
    if not m.id or not m.type:
        raise WireError("command without id or type")
    return Command(
        id=m.id,
        type=m.type,
        target=ref_from_pb(m.target),
        params_json=m.params_json,
        dry_run=m.dry_run,
        deadline_ms=m.deadline_ms,
        idempotency_key=m.idempotency_key,
        budget_ms=m.budget_ms,
    )


def cancel_to_pb(c: CommandCancel) -> commands_pb2.CommandCancel:
    return commands_pb2.CommandCancel(id=c.id, reason=c.reason)


def cancel_from_pb(m: commands_pb2.CommandCancel) -> CommandCancel:
    return CommandCancel(id=m.id, reason=m.reason)


def record_to_pb(rec: JournalRecord) -> link_pb2.JournalRecord:
    msg = link_pb2.JournalRecord(seq=rec.seq, created_ms=rec.created_ms)
    body = rec.body
    if isinstance(body, FindingBatch):
        msg.findings.findings.extend(finding_to_pb(f) for f in body.findings)
        msg.findings.complete = body.complete
    elif isinstance(body, NodeMetricsBatch):
        msg.node_metrics.samples.extend(sample_to_pb(s) for s in body.samples)
    elif isinstance(body, IngressBatch):
        msg.ingress.samples.extend(ingress_to_pb(s) for s in body.samples)
    elif isinstance(body, PodMetricsBatch):
        msg.pod_metrics.CopyFrom(pod_metrics_to_pb(body))
    elif isinstance(body, CommandUpdate):
        msg.command_update.CopyFrom(command_update_to_pb(body))
    else:
        msg.gap.CopyFrom(
            link_pb2.Gap(first_seq=body.first_seq, last_seq=body.last_seq, dropped=body.dropped)
        )
    return msg


def record_from_pb(msg: link_pb2.JournalRecord) -> JournalRecord:
    if msg.seq == 0:
        raise WireError("journal record without sequence number")
    which = msg.WhichOneof("body")
    body: JournalBody
    if which == "findings":
        body = FindingBatch(
            tuple(finding_from_pb(f) for f in msg.findings.findings),
            complete=msg.findings.complete,
        )
    elif which == "node_metrics":
        body = NodeMetricsBatch(tuple(sample_from_pb(s) for s in msg.node_metrics.samples))
    elif which == "ingress":
        body = IngressBatch(tuple(ingress_from_pb(s) for s in msg.ingress.samples))
    elif which == "pod_metrics":
        body = pod_metrics_from_pb(msg.pod_metrics)
    elif which == "command_update":
        body = command_update_from_pb(msg.command_update)
    elif which == "gap":
        g = msg.gap
        span = g.last_seq - g.first_seq + 1
        if g.first_seq != msg.seq or span < 1 or span > GAP_SPAN_MAX or g.last_seq > SEQ_MAX:
            raise WireError(f"gap record {msg.seq} covers an invalid range (to {g.last_seq})")
        if g.dropped > span:
            raise WireError(f"gap record {msg.seq} claims {g.dropped} dropped of {span} records")
        body = Gap(first_seq=g.first_seq, last_seq=g.last_seq, dropped=g.dropped)
    else:
        raise WireError(f"journal record {msg.seq} has no body")
    return JournalRecord(seq=msg.seq, created_ms=msg.created_ms, body=body)


def record_to_bytes(rec: JournalRecord) -> bytes:
    """Serialized form, for storing records outside the stream (the agent's spool file)."""
    return record_to_pb(rec).SerializeToString()


def record_from_bytes(payload: bytes) -> JournalRecord:
    msg = link_pb2.JournalRecord()
    try:
        msg.ParseFromString(payload)
    except Exception as e:  # protobuf raises its own DecodeError type
        raise WireError(f"undecodable journal record: {e}") from e
    return record_from_pb(msg)
