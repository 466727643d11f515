"""⑦ The SQL history store (SQLite by default, MySQL/MariaDB) through SQLAlchemy async Core.

    Store.open(dsn) (``store``) ── engine/ (connect, probe) ── schema/ (tables, migrations)
      └── writing/   one writer task that group-commits units of work
    repositories/    one module per aggregate, reads on pooled connections, writes as units
      ├── clusters   ClusterRepo   clusters and hashed agent tokens
      ├── journal    JournalRepo   high-water marks, journal commits (``journal_commit``), sessions
      ├── history    HistoryRepo   finding occurrences and node metric series for the API
      ├── commands   CommandRepo   commands and transitions
      ├── audit      AuditRepo     the hash-chained audit log: append, list, scan, verify
      ├── users      UserRepo      dashboard accounts
      └── slo_counts SloCountsRepo SLO counts per minute, UTC hour, local day (ingress samples)
    upkeep/          run_maintenance: roll-ups + chunked retention purges, as short writer units

This module is the store's public surface: the rest of the master imports from here (settings
from ``master.store.settings``, errors from ``master.store.errors``)."""

from master.store.engine.files import private_dir
from master.store.errors import (
    ClusterExists,
    SchemaTooNew,
    StoreBusy,
    StoreClosed,
    StoreCorrupt,
    StoreError,
    StoreUnavailable,
    UnknownCluster,
    UserExists,
)
from master.store.repositories.audit import AuditEntry, command_audit
from master.store.repositories.rows import (
    AuditRow,
    ClusterRow,
    CommandRow,
    FindingOccurrence,
    FindingsPage,
    MetricSeries,
    NodeSummary,
    SessionRow,
    TransitionRow,
    UserRow,
)
from master.store.repositories.slo_counts import SloRefresh
from master.store.settings import StoreSettings
from master.store.store import Store
from master.store.upkeep.maintenance import maintain_once, run_maintenance

__all__ = [
    "AuditEntry",
    "AuditRow",
    "ClusterExists",
    "ClusterRow",
    "CommandRow",
    "FindingOccurrence",
    "FindingsPage",
    "MetricSeries",
    "NodeSummary",
    "SchemaTooNew",
    "SessionRow",
    "SloRefresh",
    "Store",
    "StoreBusy",
    "StoreClosed",
    "StoreCorrupt",
    "StoreError",
    "StoreSettings",
    "StoreUnavailable",
    "TransitionRow",
    "UnknownCluster",
    "UserExists",
    "UserRow",
    "command_audit",
    "maintain_once",
    "private_dir",
    "run_maintenance",
]
