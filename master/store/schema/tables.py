"""The current shape of every table, as SQLAlchemy Core ``Table`` objects that queries use.

What this module owns: the tables as the code expects them *now*. What it deliberately does
not: creating them. Migrations in ``master.store.schema.migrations`` hold frozen copies of the
shape at each version and bring a database up to date; a contract test checks that the migrated
database matches this module, so the two cannot drift apart unnoticed.

Times are epoch milliseconds in BIGINT columns, everywhere. Rows fed by agents' journals carry
the agent's own times (``opened_ms``, ``at_ms``, ``window_end_ms``...) and ``received_ms``, the
master's clock when the journal commit that wrote (or last updated) the row ran: retention goes
by ``received_ms``, so an agent whose clock is off cannot make its rows go early or stay forever.
Node metric columns come from one table, :data:`METRIC_FIELDS`, so raw samples, roll-ups and
queries agree on the names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeEngine

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
Id = BigInteger().with_variant(Integer(), "sqlite")
# TEXT caps at 64 KiB in MySQL; command results and audit details may be larger.
Json = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
Ms = BigInteger
CLUSTER = 63  # a DNS label: cluster names are used in URLs and metric labels
NAME = 253  # a Kubernetes object name (DNS subdomain)
REF = 600  # "Kind/namespace/name"
HASH = 64  # a SHA-256 in hex

# Node metric fields: name -> SQL type of the raw column. Roll-ups keep ``<name>_avg`` and
# ``<name>_max`` of each. Filesystem and network fields are summed over devices per sample;
# per-device detail rides along in ``detail_json`` of the raw row only.
METRIC_FIELDS: dict[str, type[TypeEngine[Any]]] = {
    "cpu_pct": Double,
    "mem_used": BigInteger,
    "mem_total": BigInteger,
    "load1": Double,
    "disk_util_max": Double,
    "fs_used": BigInteger,
    "fs_total": BigInteger,
    "net_rx_bps": Double,
    "net_tx_bps": Double,
    "temp_c": Double,
}

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_ms", Ms, nullable=False),
    Column("description", String(200), nullable=False),
)

clusters = Table(
    "clusters",
    metadata,
    Column("name", String(CLUSTER), primary_key=True),
    Column("created_ms", Ms, nullable=False),
    Column("token_id", String(64), nullable=False, unique=True),
    Column("token_hash", String(255), nullable=False),
    Column("token_created_ms", Ms, nullable=False),
    Column("revoked_ms", Ms, nullable=True),
)

agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("cluster", String(CLUSTER), nullable=False),
    Column("instance_id", String(64), nullable=False),
    Column("agent_version", String(64), nullable=False),
    Column("connected_ms", Ms, nullable=False),
    Column("disconnected_ms", Ms, nullable=True),
    Index("ix_agent_sessions_cluster", "cluster", "connected_ms"),
    Index("ix_agent_sessions_connected", "connected_ms"),
)

journal_hwm = Table(
    "journal_hwm",
    metadata,
    Column("cluster", String(CLUSTER), primary_key=True),
    Column("hwm", BigInteger, nullable=False),
    Column("gaps_dropped", BigInteger, nullable=False),
    Column("updated_ms", Ms, nullable=False),
)

findings_history = Table(
    "findings_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("cluster", String(CLUSTER), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("reason", String(128), nullable=False),
    Column("severity", SmallInteger, nullable=False),
    Column("category", String(64), nullable=False),
    Column("subject_kind", String(64), nullable=False),
    Column("subject_ns", String(NAME), nullable=False),
    Column("subject_name", String(NAME), nullable=False),
    Column("subject_uid", String(64), nullable=False),
    Column("owner", String(REF), nullable=False),
    Column("node", String(NAME), nullable=False),
    Column("message", Text, nullable=False),
    Column("opened_ms", Ms, nullable=False),
    Column("last_seen_ms", Ms, nullable=False),
    Column("resolved_ms", Ms, nullable=True),
    Column("count", Integer, nullable=False),
    Column("received_ms", Ms, nullable=False),
    Index("ix_findings_open", "cluster", "fingerprint", "resolved_ms"),
    Index("ix_findings_opened", "cluster", "opened_ms"),
    Index("ix_findings_last_seen", "last_seen_ms"),
    Index("ix_findings_received", "received_ms"),
)


def _raw_metric_columns() -> list[Column[object]]:
    # Nullable: a non-finite reading (NaN from a confused sensor) is stored as NULL, not refused.
    return [Column(name, sql_type, nullable=True) for name, sql_type in METRIC_FIELDS.items()]


def _rollup_columns() -> list[Column[object]]:
    cols: list[Column[object]] = [Column("samples", Integer, nullable=False)]
    for name in METRIC_FIELDS:
        cols.append(Column(f"{name}_avg", Double, nullable=True))
        cols.append(Column(f"{name}_max", Double, nullable=True))
    return cols


node_metrics_raw = Table(
    "node_metrics_raw",
    metadata,
    Column("cluster", String(CLUSTER), nullable=False),
    Column("node", String(NAME), nullable=False),
    Column("at_ms", Ms, nullable=False),
    *_raw_metric_columns(),
    Column("detail_json", Json, nullable=True),
    Column("received_ms", Ms, nullable=False),
    PrimaryKeyConstraint("cluster", "node", "at_ms"),
    Index("ix_node_metrics_raw_at", "at_ms"),
    Index("ix_node_metrics_raw_received", "received_ms"),
)

node_metrics_5m = Table(
    "node_metrics_5m",
    metadata,
    Column("cluster", String(CLUSTER), nullable=False),
    Column("node", String(NAME), nullable=False),
    Column("bucket_ms", Ms, nullable=False),
    *_rollup_columns(),
    PrimaryKeyConstraint("cluster", "node", "bucket_ms"),
    Index("ix_node_metrics_5m_bucket", "bucket_ms"),
)

node_metrics_1h = Table(
    "node_metrics_1h",
    metadata,
    Column("cluster", String(CLUSTER), nullable=False),
    Column("node", String(NAME), nullable=False),
    Column("bucket_ms", Ms, nullable=False),
    *_rollup_columns(),
    PrimaryKeyConstraint("cluster", "node", "bucket_ms"),
    Index("ix_node_metrics_1h_bucket", "bucket_ms"),
)

# Pod metrics (migration 8): one row per container per metrics-server sample, with the
# requests, limits and restarts the pod object had when it arrived; and 5-minute roll-ups.
LABEL = 63  # a DNS label: namespaces and container names
WORKLOAD = 320  # "Kind/name"


def _pod_keys() -> list[Column[object]]:
    return [
        Column("cluster", String(CLUSTER), nullable=False),
        Column("namespace", String(LABEL), nullable=False),
        Column("pod", String(NAME), nullable=False),
        Column("container", String(LABEL), nullable=False),
    ]


# The pod object's side of a sample: the roll-ups keep the max of each over the bucket.
POD_SPEC_FIELDS = ("cpu_request_m", "cpu_limit_m", "mem_request", "mem_limit", "restarts")
# Usage: the roll-ups keep ``<name>_avg`` and ``<name>_max``.
POD_USAGE_FIELDS = ("cpu_m", "mem_bytes")


def _pod_spec_columns() -> list[Column[object]]:
    return [
        Column("workload", String(WORKLOAD), nullable=False),
        Column("cpu_request_m", Double, nullable=True),
        Column("cpu_limit_m", Double, nullable=True),
        Column("mem_request", BigInteger, nullable=True),
        Column("mem_limit", BigInteger, nullable=True),
        Column("restarts", Integer, nullable=False),
    ]


pod_metrics_raw = Table(
    "pod_metrics_raw",
    metadata,
    *_pod_keys(),
    Column("at_ms", Ms, nullable=False),
    Column("cpu_m", Double, nullable=False),
    Column("mem_bytes", BigInteger, nullable=False),
    *_pod_spec_columns(),
    Column("received_ms", Ms, nullable=False),
    PrimaryKeyConstraint("cluster", "namespace", "pod", "container", "at_ms"),
    Index("ix_pod_metrics_raw_at", "at_ms"),
    Index("ix_pod_metrics_raw_received", "received_ms"),
    Index("ix_pod_metrics_raw_workload", "cluster", "workload", "at_ms"),
)

pod_metrics_5m = Table(
    "pod_metrics_5m",
    metadata,
    *_pod_keys(),
    Column("bucket_ms", Ms, nullable=False),
    Column("samples", Integer, nullable=False),
    Column("cpu_m_avg", Double, nullable=True),
    Column("cpu_m_max", Double, nullable=True),
    Column("mem_bytes_avg", Double, nullable=True),
    Column("mem_bytes_max", Double, nullable=True),
    *_pod_spec_columns(),
    PrimaryKeyConstraint("cluster", "namespace", "pod", "container", "bucket_ms"),
    Index("ix_pod_metrics_5m_bucket", "bucket_ms"),
    Index("ix_pod_metrics_5m_workload", "cluster", "workload", "bucket_ms"),
)

rollup_state = Table(
    "rollup_state",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("done_until_ms", Ms, nullable=False),
)

ingress_samples = Table(
    "ingress_samples",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("cluster", String(CLUSTER), nullable=False),
    Column("controller", String(64), nullable=False),
    Column("namespace", String(NAME), nullable=False),
    Column("ingress", String(NAME), nullable=False),
    Column("host", String(NAME), nullable=False),
    Column("service", String(NAME), nullable=False),
    Column("window_start_ms", Ms, nullable=False),
    Column("window_end_ms", Ms, nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("latency_json", Text, nullable=False),
    Column("received_ms", Ms, nullable=False),
    Index("ix_ingress_samples_cluster", "cluster", "window_end_ms"),
    Index("ix_ingress_samples_end", "window_end_ms"),
    Index("ix_ingress_samples_received", "received_ms"),
    Index("ix_ingress_samples_service", "cluster", "service", "window_end_ms"),  # migration 7
)

commands = Table(
    "commands",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("cluster", String(CLUSTER), nullable=False),
    Column("type", String(64), nullable=False),
    Column("target", String(REF), nullable=False),
    Column("params_json", Json, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("idempotency_key", String(128), nullable=True),
    Column("state", String(16), nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Column("deadline_ms", Ms, nullable=False),
    Column("requested_by", String(128), nullable=False),
    Column("result_json", Json, nullable=False),
    Column("error_code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    UniqueConstraint("cluster", "idempotency_key", name="uq_commands_idempotency"),
    Index("ix_commands_cluster", "cluster", "created_ms"),
    Index("ix_commands_created", "created_ms"),
    Index("ix_commands_state", "state"),
)

command_transitions = Table(
    "command_transitions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("command_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("at_ms", Ms, nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_command_transitions_command", "command_id", "id"),
    Index("ix_command_transitions_at", "at_ms"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at_ms", Ms, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("cluster", String(CLUSTER), nullable=False),
    Column("target", String(REF), nullable=False),
    Column("detail_json", Json, nullable=False),
    Column("outcome", String(32), nullable=False),
    # The hash chain (``master.audit.chain``): SHA-256 hex of the entry before and of this one.
    Column("prev_hash", String(HASH), nullable=False),
    Column("entry_hash", String(HASH), nullable=False),
    Index("ix_audit_log_at", "at_ms"),
    Index("ix_audit_log_cluster", "cluster", "at_ms"),
    Index("ix_audit_log_actor", "actor", "id"),  # an operator's own entries, newest first
)

# One row (id 1): the newest entry written and the floor retention purged up to. Every audit
# write locks it first, so writes on any number of masters chain one after another, and it
# lets a verifier notice entries cut off the end of the log (see ``repositories.audit``).
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("floor_id", BigInteger, nullable=False),
    Column("floor_hash", String(HASH), nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(HASH), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("must_change", Boolean, nullable=False, server_default="0"),  # the first password
)

# Migration 3 (master.store.schema.migrations.m0003_people) explains these three.
SUBJECT = 128
DIGEST = 64

role_bindings = Table(
    "role_bindings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject_kind", String(16), nullable=False),
    Column("subject", String(SUBJECT), nullable=False),
    Column("role", String(32), nullable=False),
    Column("cluster", String(CLUSTER), nullable=False),
    Column("namespace", String(63), nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("created_by", String(SUBJECT), nullable=False),
    UniqueConstraint("subject_kind", "subject", "role", "cluster", "namespace"),
    Index("ix_role_bindings_subject", "subject_kind", "subject"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_id", String(32), nullable=False, unique=True),
    Column("token_hash", String(DIGEST), nullable=False),
    Column("name", String(SUBJECT), nullable=False),
    Column("owner", String(SUBJECT), nullable=False),
    Column("owner_kind", String(16), nullable=False),
    Column("created_by", String(SUBJECT), nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("expires_ms", Ms, nullable=True),
    Column("last_used_ms", Ms, nullable=True),
    Column("revoked_ms", Ms, nullable=True),
    Index("ix_api_tokens_owner", "owner"),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(DIGEST), nullable=False, unique=True),
    Column("family", String(32), nullable=False),
    Column("username", String(SUBJECT), nullable=False),
    Column("groups_json", Json, nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("expires_ms", Ms, nullable=False),
    Column("used_ms", Ms, nullable=True),
    Column("revoked_ms", Ms, nullable=True),
    Index("ix_auth_sessions_family", "family"),
    Index("ix_auth_sessions_user", "username"),
)

# Alerting (migration 5). The engine's state as one JSON row per key: kind "alert"
# (fingerprint), "group" (group id) or "meta" ("noise"); see m0005_alerts for why rows, not a
# snapshot blob.
alert_state = Table(
    "alert_state",
    metadata,
    Column("kind", String(16), nullable=False),
    Column("key", String(255), nullable=False),
    Column("body_json", Json, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    PrimaryKeyConstraint("kind", "key"),
)

alert_silences = Table(
    "alert_silences",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("matchers_json", Text, nullable=False),
    Column("starts_at_ms", Ms, nullable=False),
    Column("ends_at_ms", Ms, nullable=False),
    Column("created_by", String(SUBJECT), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at_ms", Ms, nullable=False),
    Index("ix_alert_silences_ends", "ends_at_ms"),
)

RECEIVER = 200

# The durable queue the notify worker drains; ``group_hash`` = SHA-256 of receiver + group key
# (a group key may be longer than MariaDB lets an index be).
notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("receiver", String(RECEIVER), nullable=False),
    Column("group_key", Text, nullable=False),
    Column("group_hash", String(HASH), nullable=False),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("payload_json", Json, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at_ms", Ms, nullable=False),
    Column("lease_until_ms", Ms, nullable=True),
    Column("since_ms", Ms, nullable=False),
    Column("status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_ms", Ms, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Index("ix_notification_outbox_group", "group_hash", "state", "id"),
    Index("ix_notification_outbox_state", "state", "next_at_ms"),
    Index("ix_notification_outbox_finished", "state", "updated_ms"),  # migration 6
)

notification_log = Table(
    "notification_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outbox_id", BigInteger, nullable=False),
    Column("receiver", String(RECEIVER), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("group_key", Text, nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at_ms", Ms, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("next_attempt_ms", Ms, nullable=True),
    Index("ix_notification_log_outbox", "outbox_id", "id"),
    Index("ix_notification_log_at", "at_ms"),
)

# Alert history (migration 6): one row per ended alert episode; see m0006_alert_history.
alert_history = Table(
    "alert_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False),
    Column("cluster", String(128), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("alertname", String(200), nullable=False),
    Column("rule", String(200), nullable=False),
    Column("labels_json", Json, nullable=False),
    Column("annotations_json", Json, nullable=False),
    Column("starts_at_ms", Ms, nullable=False),
    Column("ends_at_ms", Ms, nullable=False),
    Column("acked_by", String(128), nullable=False),
    Column("recorded_ms", Ms, nullable=False),
    UniqueConstraint("fingerprint", "starts_at_ms", name="uq_alert_history_episode"),
    Index("ix_alert_history_ends", "ends_at_ms"),
    Index("ix_alert_history_scope", "cluster", "namespace", "id"),
)

# SLO counts (migration 7); see m0007_slo_counts. Names compare case-sensitively on MariaDB too.
SLO_NAME = 253
SloName = String(SLO_NAME).with_variant(mysql.VARCHAR(SLO_NAME, collation="utf8mb4_bin"), "mysql")

slo_counts = Table(
    "slo_counts",
    metadata,
    Column("slo", SloName, nullable=False),
    Column("resolution", String(1), nullable=False),  # m minute | h UTC hour | d local day
    Column("start_ms", Ms, nullable=False),
    Column("good", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("buckets_json", Text, nullable=False),  # {"0.25": n, ..., "+Inf": n}; {} if none
    PrimaryKeyConstraint("slo", "resolution", "start_ms"),
    Index("ix_slo_counts_resolution", "resolution", "start_ms"),
)

slo_state = Table(
    "slo_state",
    metadata,
    Column("slo", SloName, primary_key=True),
    Column("definition_hash", String(HASH), nullable=False),
    Column("done_until_ms", Ms, nullable=False),  # ingress_samples.received_ms processed
)

# One row per suggested fix of one finding, through its life cycle (master.remediation.states;
# see m0009_remediations for the columns). Times 0 = not yet (expiry, run, success).
remediations = Table(
    "remediations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("cluster", String(63), nullable=False),
    Column("namespace", String(63), nullable=False),
    Column("target_kind", String(63), nullable=False),
    Column("target_name", String(NAME), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("state", String(24), nullable=False),
    Column("auto", Boolean, nullable=False),
    Column("suggestion_json", Json, nullable=False),
    Column("requested_by", String(SUBJECT), nullable=False),
    Column("approvals_json", Text, nullable=False),
    Column("preview_command_id", String(64), nullable=False),
    Column("run_command_id", String(64), nullable=False),
    Column("preview_json", Json, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("history_json", Json, nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Column("expires_ms", Ms, nullable=False),
    Column("ran_ms", Ms, nullable=False),
    Column("succeeded_ms", Ms, nullable=False),
    Index("ix_remediations_finding", "cluster", "fingerprint"),
    Index("ix_remediations_target", "cluster", "target_name", "reason"),
    Index("ix_remediations_state", "state", "updated_ms"),
    Index("ix_remediations_created", "created_ms"),
)

# The remediation approval policy document (master.remediation.policy), one row, replaced whole.
remediation_policy = Table(
    "remediation_policy",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("body_json", Text, nullable=False),
    Column("updated_ms", Ms, nullable=False),
    Column("updated_by", String(SUBJECT), nullable=False),
)
