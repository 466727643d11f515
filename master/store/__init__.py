"""⑦ The SQL history store (SQLite by default, MySQL/MariaDB) through SQLAlchemy async Core.

    Store.open(dsn) ── engines (connect, probe) ── migrating (numbered steps) ── writer task
      ├── clusters   ClusterRepo   clusters and hashed agent tokens
      ├── journal    JournalRepo   high-water marks, journal commits (group-committed), sessions
      ├── history    HistoryRepo   finding occurrences and node metric series for the API
      ├── commands   CommandRepo   commands and transitions;  audit  AuditRepo  (append, list)
      └── users      UserRepo      dashboard accounts
    maintenance.run_maintenance   roll-ups (rollups) + chunked retention purges (retention)

Writes all go through one writer task (``writer``) that group-commits; reads use pooled
connections. Errors: see ``master.store.errors``."""

from master.store.auditing import AuditEntry, command_audit
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
from master.store.maintenance import maintain_once, run_maintenance
from master.store.rows import (
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
from master.store.settings import StoreSettings
from master.store.store import Store

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
    "run_maintenance",
]
