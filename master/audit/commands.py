"""``lookout-master audit verify|export``: the thin shell over the chain and the exporter.

Takes the log as a port (:class:`AuditLog`, which the store's ``AuditRepo`` satisfies) so this
package stays below the store; ``master.__main__`` opens the store and hands it in. Output goes
to the streams given (stdout in the CLI): the verdict, or the export, is the command's result."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import IO, Protocol

from master.audit import exporting
from master.audit.chain import Chained, Finding


class AuditLog(Protocol):
    async def verify(self) -> tuple[int, Finding | None]: ...

    def scan(self) -> AsyncIterator[Sequence[Chained]]: ...


async def verify(log: AuditLog, out: IO[str]) -> int:
    """0 and "intact" with the number of entries, or 1 naming the first bad entry and why."""
    count, finding = await log.verify()
    if finding is None:
        out.write(f"audit log intact: {count} entries\n")
        return 0
    out.write(
        f"audit log NOT intact: entry {finding.id} is {finding.problem}: {finding.reason} "
        f"({count} entries read)\n"
    )
    return 1


async def export(log: AuditLog, fmt: exporting.Format, out: IO[bytes]) -> int:
    """Every entry, oldest first, a page at a time."""
    out.write(exporting.header(fmt))
    async for rows in log.scan():
        out.write(exporting.page(fmt, rows))
    out.flush()
    return 0
