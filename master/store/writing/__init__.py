"""The store's write path: one writer task that group-commits units of work.

- ``units``   what the writer applies: the ``UnitOfWork`` protocol, the ``Batch`` units of one
              kind share within a group transaction, and ``Call`` (a plain function as a unit)
- ``writer``  the bounded queue, grouping, one transaction per group, per-unit retry

Does not own: what a unit writes (the repositories build their units) or where a transaction
runs (``master.store.engine.transactions``)."""
