"""Settings of the history store: durability, retention per table, roll-up timing, writer
limits.

``MasterSettings`` nests :class:`StoreSettings` (env ``MASTER_STORE__*``). The DSN itself stays on
``MasterSettings.store_dsn`` because it also decides where the data dir lives."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DAY_MS = 86_400_000


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    queue_max: int = Field(
        10_000,
        ge=1,
        description="Journal records the writer queue holds before callers wait (records). "
        "About 0.5 s of the 20k records/s target: enough to ride out a slow fsync, small "
        "enough that back-pressure reaches the agents instead of master memory.",
    )
    batch_max: int = Field(
        2_000,
        ge=1,
        description="Most records group-committed in one transaction (records). SQLite gains "
        "little past ~1,000 rows per transaction and a larger batch only delays the acks.",
    )
    commit_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Longest a caller waits for its batch to be queued and committed (seconds). "
        "Past it the caller gets StoreBusy and does not ack; the agent replays later.",
    )
    lose_acked_on_power_loss: bool = Field(
        False,
        description="Labs only. SQLite commits with synchronous=NORMAL instead of FULL: no fsync "
        "of the WAL per commit, so a power loss or kernel crash (not a process crash) can lose "
        "the last records the master already acknowledged, which the agents then never resend. "
        "The default (false) makes every acknowledged record durable first; it costs one fsync "
        "per group commit, shared by all the records in it. No effect on MySQL/MariaDB, whose "
        "durability is the server's (innodb_flush_log_at_trx_commit=1, its default).",
    )
    findings_days: float = Field(
        30,
        gt=0,
        description="Keep finding occurrences the master last heard of within this many days "
        "(by the master's clock, whatever the agent's says).",
    )
    node_metrics_raw_days: float = Field(
        7, gt=0, description="Keep raw node samples (15 s apart) this many days; ~40k rows/node."
    )
    node_metrics_5m_days: float = Field(
        90, gt=0, description="Keep 5-minute node roll-ups this many days (a quarter)."
    )
    node_metrics_1h_days: float = Field(
        400, gt=0, description="Keep 1-hour node roll-ups this many days (a year plus a month)."
    )
    pod_metrics_raw_days: float = Field(
        7, gt=0, description="Keep raw container samples (30 s apart) this many days."
    )
    pod_metrics_5m_days: float = Field(
        90, gt=0, description="Keep 5-minute container roll-ups this many days (a quarter)."
    )
    ingress_days: float = Field(
        7, gt=0, description="Keep ingress request samples this many days (raw, like metrics)."
    )
    commands_days: float = Field(
        400, gt=0, description="Keep commands, their transitions and agent sessions (days)."
    )
    audit_days: float = Field(
        400, gt=0, description="Keep audit log entries this many days (a year plus a month)."
    )
    notifications_days: float = Field(
        30,
        gt=0,
        description="Keep delivered and dead-lettered notification outbox rows, and the "
        "notification log's attempts, this many days after they finished (pending rows stay "
        "however old). A month covers reviewing last month's pages and what failed to send.",
    )
    alert_history_days: float = Field(
        400,
        gt=0,
        description="Keep ended alert episodes (/alerts/history) this many days after they "
        "ended; a year plus a month, like the audit log, for year-on-year reviews.",
    )
    # -- SLO counts (issue 18): each resolution kept for its own span, so a report over a
    # quarter reads hours and one over years reads days, never minutes.
    slo_minute_days: float = Field(
        35,
        gt=0,
        description="Keep per-minute SLO counts this many days: a 30-day rolling window and "
        "its burn rates need every minute of it, plus five days' margin.",
    )
    slo_hour_days: float = Field(
        400,
        gt=0,
        description="Keep per-UTC-hour SLO counts this many days (a year plus a month): "
        "series over a quarter and year-on-year charts at hourly resolution.",
    )
    slo_day_days: float = Field(
        1825,
        gt=0,
        description="Keep per-local-day SLO counts this many days (five years): monthly and "
        "quarterly reports and their worst days, for as long as anyone reviews them.",
    )
    maintenance_interval_s: float = Field(
        60.0,
        gt=0,
        description="Seconds between maintenance passes (roll-ups, then purges). A minute keeps "
        "5-minute roll-ups at most ~6 minutes behind without measurable load.",
    )
    purge_chunk_rows: int = Field(
        1_000,
        ge=1,
        description="Rows deleted per statement; each chunk is one short writer job, so journal "
        "commits interleave with purges instead of waiting behind them.",
    )
    purge_pause_s: float = Field(
        0.01,
        ge=0,
        description="Pause between purge chunks (seconds), leaving the writer to journal commits.",
    )
    rollup_delay_s: float = Field(
        120.0,
        ge=0,
        description="Raw rows are rolled up once the master received them this long ago "
        "(seconds), so a pass is not racing the commits in flight.",
    )

    # -- read-command results (issue 14): what an agent read from its cluster is kept briefly.
    read_results_days: float = Field(
        7,
        gt=0,
        description="Keep the result bodies of read commands (pod_logs, describe: container "
        "logs and object dumps, scrubbed by the agent but still what a workload wrote) this "
        "many days; after that the result is blanked while the command row, its transitions "
        "and the audit log stay for commands_days. A week covers an incident review without "
        "keeping a year of logs in the master.",
    )

    def retention_ms(self, days: float) -> int:
        return int(days * DAY_MS)
