"""Audit entries as the API and exports show them: one JSON object each (``detail`` decoded),
JSON lines, or CSV with a header row. Pure, and page by page: an export streams a long log
through these without holding it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal

import orjson

from master.audit.chain import Chained

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
MEDIA_TYPES: dict[Format, str] = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
}
COLUMNS = (
    "id",
    "at_ms",
    "actor",
    "action",
    "cluster",
    "target",
    "outcome",
    "detail",
    "prev_hash",
    "entry_hash",
)


def detail_of(row: Chained) -> Any:
    """The detail as an object; text that is not JSON (an edited row) is shown as it is."""
    try:
        return orjson.loads(row.detail_json)
    except orjson.JSONDecodeError:
        return row.detail_json.decode(errors="replace")


def item(row: Chained) -> dict[str, Any]:
    return {
        "id": row.id,
        "at_ms": row.at_ms,
        "actor": row.actor,
        "action": row.action,
        "cluster": row.cluster,
        "target": row.target,
        "outcome": row.outcome,
        "detail": detail_of(row),
        "prev_hash": row.prev_hash,
        "entry_hash": row.entry_hash,
    }


def header(fmt: Format) -> bytes:
    """What comes before the first page (CSV's header row; nothing for JSON lines)."""
    return _csv([COLUMNS]) if fmt == "csv" else b""


def page(fmt: Format, rows: Iterable[Chained]) -> bytes:
    """One page of entries, each on its own line (CSV quotes newlines inside values)."""
    if fmt == "jsonl":
        return b"".join(orjson.dumps(item(r)) + b"\n" for r in rows)
    return _csv(
        [
            (
                str(r.id),
                str(r.at_ms),
                r.actor,
                r.action,
                r.cluster,
                r.target,
                r.outcome,
                r.detail_json.decode(errors="replace"),
                r.prev_hash,
                r.entry_hash,
            )
            for r in rows
        ]
    )


def _csv(lines: Iterable[Iterable[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode()
