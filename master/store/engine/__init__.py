"""The store's database layer: connecting, transactions, and statements at the driver level.

- ``opening``       a DSN -> a probed async engine (SQLite via aiosqlite, MySQL/MariaDB via
                    asyncmy), the SQLite connection settings, connect errors -> StoreError;
                    and which transaction runner the writer gets on that backend
- ``files``         the SQLite file and its directory created private (0600 / 0700)
- ``probing``       is the store answering? (readiness: one query, a timeout, a short cache)
- ``transactions``  where the writer's transactions run (SQLite: its own thread and
                    synchronous engine; MySQL: the async engine's ``run_sync``)
- ``driver``        hot statements compiled once per dialect and run on the DB-API cursor

Does not own: tables (``master.store.schema``), queries (``master.store.repositories``) or
grouping writes (``master.store.writing``)."""
