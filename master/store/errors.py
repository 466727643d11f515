"""The store's exception tree. Driver errors are wrapped once, here or at the call that met them.

MasterError (master.errors)
└── StoreError            -- anything the history store refuses or cannot do
    ├── StoreUnavailable  -- cannot reach/open the database (bad path, MySQL down, timeout)
    ├── StoreCorrupt      -- the SQLite file is not a database or fails its check
    ├── SchemaTooNew      -- the database was migrated by a newer Lookout
    ├── StoreClosed       -- a write arrived after ``Store.close()`` began
    ├── StoreBusy         -- the writer queue stayed full or a commit outlived its timeout
    ├── ClusterExists     -- ``clusters.add`` with a name already taken
    ├── UnknownCluster    -- an operation on a cluster that is not registered
    └── UserExists        -- ``users.add`` with a username already taken
"""

from __future__ import annotations

from master.errors import MasterError


class StoreError(MasterError):
    """Base of every error the history store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened."""


class StoreCorrupt(StoreError):
    """The SQLite file exists but is not a usable database."""


class SchemaTooNew(StoreError):
    """The schema version in the database is newer than this code knows."""


class StoreClosed(StoreError):
    """The store is closing or closed; no new writes are accepted."""


class StoreBusy(StoreError):
    """A write could not be queued or committed within its timeout."""


class ClusterExists(StoreError):
    """A cluster with this name (or token id) is already registered."""


class UnknownCluster(StoreError):
    """No cluster with this name is registered."""


class UserExists(StoreError):
    """A user with this username already exists."""


class BindingExists(StoreError):
    """An identical role binding already exists."""
