"""Open a SQLAlchemy async engine for a DSN and prove it works, or fail with a clear StoreError;
choose how the writer runs its transactions on it.

Owns: choosing the driver from the DSN (SQLite via aiosqlite for reads and the stdlib sqlite3
for the writer's thread, MySQL/MariaDB via asyncmy), the SQLite connection settings (WAL, the
``synchronous`` level, busy timeout, real transactions), creating the SQLite file private
(``files``) and wrapping connection-time driver errors into the store's error tree, naming the
file or server.

Durability: the master acknowledges a journal record to its agent only after the commit that
stored it, and the agent then drops it, so that commit must survive a power loss, not only a
process crash. In WAL mode ``synchronous=NORMAL`` does not fsync the WAL at commit (a power
loss can drop the last transactions), ``FULL`` does; so the store runs ``FULL`` (``durable``).
The cost is one fsync per group commit, not per record: the writer commits many callers' rows
in one transaction (figures: ``bench/README.md``). ``durable=False`` (the setting
``lose_acked_on_power_loss``, for labs) keeps ``NORMAL``. MySQL/MariaDB durability is the
server's: ``innodb_flush_log_at_trx_commit=1`` (its default) gives the same promise.

Does not own: schema (``master.store.schema``) or any query."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from master.store.engine.files import private_sqlite_file
from master.store.engine.transactions import GreenletTxn, ThreadTxn, TxnRunner
from master.store.errors import StoreBusy, StoreCorrupt, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

Backend = Literal["sqlite", "mysql"]

SQLITE_BUSY_TIMEOUT_MS = 5_000  # readers never block the writer in WAL; this covers checkpoints
_SQLITE_CONNECT_ARGS = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
MYSQL_CONNECT_TIMEOUT_S = 10  # an unreachable server fails start-up in seconds, not minutes
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
}
_CORRUPT_MARKERS = ("not a database", "malformed", "corrupt", "file is encrypted")
# Driver errors that say "try again in a moment": a lock held elsewhere.
_BUSY_MARKERS = ("database is locked", "database table is locked", "lock wait timeout", "deadlock")


@dataclass(frozen=True, slots=True)
class Opened:
    engine: AsyncEngine
    backend: Backend
    where: str  # file path or user@host:port/db, never a password, for messages
    url: URL
    synchronous: str = "FULL"  # SQLite's level for every connection (see the module docstring)


def open_writer_txn(opened: Opened) -> TxnRunner:
    """Where the writer's transactions run (see ``transactions``): SQLite gets a thread with a
    synchronous engine of its own, natively async drivers their own engine's ``run_sync``."""
    if opened.backend == "sqlite":
        sync_url = opened.url.set(drivername="sqlite+pysqlite")
        # One connection, one thread: the writer is SQLite's only writer anyway.
        engine = create_engine(
            sync_url, pool_size=1, max_overflow=0, connect_args=_SQLITE_CONNECT_ARGS
        )
        # IMMEDIATE: take the write lock at BEGIN, so a read-then-write unit can never fail
        # half-way with SQLITE_BUSY when a maintenance tool holds the lock for a moment.
        _apply_sqlite_settings(engine, begin="BEGIN IMMEDIATE", synchronous=opened.synchronous)
        return ThreadTxn(engine)
    return GreenletTxn(opened.engine)


def parse_dsn(dsn: str) -> URL:
    """Parse and normalise the DSN to an async driver (``sqlite:///x`` -> aiosqlite)."""
    try:
        url = make_url(dsn)
    except ArgumentError as e:
        raise StoreError(f"store DSN {dsn!r} is not a valid SQLAlchemy URL: {e}") from e
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise StoreError(
            f"store DSN backend {backend!r} is not supported: use sqlite+aiosqlite:///path or "
            "mysql+asyncmy://user:pass@host:3306/db"
        )
    if url.get_driver_name() in ("", "pysqlite", "mysqldb", "pymysql"):
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
    return url


async def open_engine(dsn: str, *, durable: bool = True) -> Opened:
    """Create the engine and run a probe query, so a bad DSN fails here and not on first write.

    ``durable``: SQLite commits survive a power loss (``synchronous=FULL``); False risks
    losing the last acknowledged transactions on one (``NORMAL``). No effect on MySQL."""
    url = parse_dsn(dsn)
    if url.get_backend_name() == "sqlite":
        opened = _sqlite_engine(url, synchronous="FULL" if durable else "NORMAL")
    else:
        opened = _mysql_engine(url)
    try:
        async with opened.engine.connect() as conn:
            if opened.backend == "sqlite":
                # Reading the catalogue touches page 1: a garbage file fails here.
                await conn.execute(text("SELECT count(*) FROM sqlite_master"))
            else:
                await conn.execute(text("SELECT 1"))
    except (DBAPIError, OSError) as e:
        await opened.engine.dispose()
        raise _wrap_connect_error(opened, e) from e
    except SQLAlchemyError as e:
        await opened.engine.dispose()
        raise StoreUnavailable(f"cannot open the store at {opened.where}: {e}") from e
    _raise_store_errors(opened)
    return opened


def _raise_store_errors(opened: Opened) -> None:
    """From now on, a statement on this engine that meets a lost or unreachable server raises
    StoreUnavailable, and one that meets a lock held elsewhere StoreBusy: the store's own errors
    (the gateway answers 503 with Retry-After), not a driver error that would be a 500. Every
    other driver error is left as it is. Installed after the probe, which names its own."""

    @event.listens_for(opened.engine.sync_engine, "handle_error")
    def _on_error(ctx: ExceptionContext) -> None:
        if ctx.is_pre_ping:  # the pool reconnects by itself
            return
        detail = str(ctx.original_exception)
        if ctx.connection is None or ctx.is_disconnect:
            raise StoreUnavailable(f"the store at {opened.where} cannot be reached: {detail}")
        if any(marker in detail.lower() for marker in _BUSY_MARKERS):
            raise StoreBusy(f"the store at {opened.where} is busy: {detail}")


def _sqlite_engine(url: URL, *, synchronous: str) -> Opened:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise StoreError(
            "an in-memory SQLite store would lose history on restart and is not shared between "
            "connections: give a file path (sqlite+aiosqlite:///path/lookout.db)"
        )
    path = Path(database)
    private_sqlite_file(path)  # 0600 before SQLite creates it 0644; the dir 0700
    engine = create_async_engine(url, connect_args=_SQLITE_CONNECT_ARGS)
    _apply_sqlite_settings(engine.sync_engine, begin="BEGIN", synchronous=synchronous)
    return Opened(
        engine=engine, backend="sqlite", where=str(path), url=url, synchronous=synchronous
    )


def _apply_sqlite_settings(engine: Engine, *, begin: str, synchronous: str) -> None:
    """The same connection settings for the readers' (aiosqlite) and the writer's (sqlite3)
    engines."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy own BEGIN/COMMIT: the sqlite3 module's implicit transactions would
        # otherwise leave reads outside any transaction and break SAVEPOINTs.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA cache_size=-16384")  # 16 MiB per connection: history scans stay hot
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # On the DB-API cursor, not ``exec_driver_sql``: SQLAlchemy's statement machinery cost
        # more CPU than the whole BEGIN, and every write transaction pays it.
        cur = conn.connection.dbapi_connection.cursor()
        cur.execute(begin)
        cur.close()


def _mysql_engine(url: URL) -> Opened:
    query = dict(url.query)
    query.setdefault("charset", "utf8mb4")
    url = url.set(query=query)
    engine = create_async_engine(
        url,
        pool_pre_ping=True,  # a MySQL restart or wait_timeout drop must not fail the next write
        pool_recycle=3_600,
        connect_args={"connect_timeout": MYSQL_CONNECT_TIMEOUT_S},
    )
    where = f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 3306}/{url.database}"
    return Opened(engine=engine, backend="mysql", where=where, url=url)


def _wrap_connect_error(opened: Opened, e: BaseException) -> StoreError:
    detail = str(getattr(e, "orig", None) or e)
    if opened.backend == "sqlite":
        if any(marker in detail.lower() for marker in _CORRUPT_MARKERS):
            return StoreCorrupt(
                f"SQLite store {opened.where} is not a usable database ({detail}); restore it "
                "from a backup, or move it aside to start with empty history"
            )
        return StoreUnavailable(f"cannot open SQLite store {opened.where}: {detail}")
    return StoreUnavailable(f"cannot reach the MySQL/MariaDB store at {opened.where}: {detail}")
