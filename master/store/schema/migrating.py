"""Bring a database's schema up to date at start-up, one numbered step per transaction.

Owns the ``schema_version`` bookkeeping and the refusal to run on a schema newer than the code.
Does not own the steps themselves (``master.store.schema.migrations``) nor connecting
(``master.store.engine``). Running it twice is a no-op the second time; two masters starting at
once on one MySQL database both end up at the latest version (the loser of the race for a
version row re-reads and moves on)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from master.store.errors import SchemaTooNew
from master.store.schema.migrations import MIGRATIONS, Migration
from master.store.schema.tables import schema_version

log = logging.getLogger(__name__)


async def current_version(conn: AsyncConnection) -> int:
    """The highest applied version, 0 for an empty database."""
    await conn.run_sync(schema_version.create, checkfirst=True)
    found = (await conn.execute(select(func.max(schema_version.c.version)))).scalar()
    return int(found or 0)


async def migrate(
    engine: AsyncEngine, *, now_ms: int, steps: Mapping[int, Migration] = MIGRATIONS
) -> int:
    """Apply every missing step in order and return the resulting version.

    Raises :class:`SchemaTooNew` if the database is ahead of ``steps``: running old code on a
    newer schema could write rows the newer code misreads, so we refuse rather than guess."""
    latest = max(steps)
    async with engine.begin() as conn:
        version = await current_version(conn)
    if version > latest:
        raise SchemaTooNew(
            f"database schema version {version} is newer than this Lookout understands "
            f"(up to {latest}); upgrade Lookout, or restore a backup taken before the upgrade"
        )
    for number in range(version + 1, latest + 1):
        step = steps[number]
        try:
            async with engine.begin() as conn:
                await step.upgrade(conn)
                await conn.execute(
                    insert(schema_version).values(
                        version=number, applied_ms=now_ms, description=step.description
                    )
                )
        except IntegrityError:
            # Another master applied this step between our read and our insert.
            async with engine.begin() as conn:
                if await current_version(conn) < number:
                    raise
            continue
        log.info("applied schema migration %d (%s)", number, step.description)
    return latest
