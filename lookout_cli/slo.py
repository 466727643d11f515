"""``lookout slo list|report``: SLOs and their calendar reports through the master's HTTP API.

    lookout slo list [--json]
    lookout slo report --period 2026-11 [--format text|json|csv|html] [-o FILE]

``--period`` is a month (``2026-11``) or a quarter (``2026-Q4``) in the master's configured
time zone. Where and as whom: ``--url`` / ``LOOKOUT_URL`` and ``--token`` / ``LOOKOUT_TOKEN``
(any role may read the SLOs it may see). The master computes everything; this prints it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from lookout_cli.apiclient import Command, add_connection_args


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lookout slo", description=__doc__.split("\n")[0])
    add_connection_args(p)
    sub = p.add_subparsers(dest="action", required=True)
    ls = sub.add_parser("list", help="every SLO, the least budget left first")
    ls.add_argument("--json", action="store_true", help="the API's JSON, one object per line")
    rep = sub.add_parser("report", help="the report of a calendar month or quarter")
    rep.add_argument("--period", required=True, help="YYYY-MM or YYYY-Qn")
    rep.add_argument("--format", choices=["text", "json", "csv", "html"], default="text")
    rep.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    return p


def _pct(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x * 100:.{digits}f}%"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def list_lines(items: Sequence[dict[str, Any]]) -> list[str]:
    rows = [["SLO", "CLUSTER", "SERVICE", "OBJECTIVE", "SLI", "BUDGET LEFT", "BURN 1H", "FIRING"]]
    for i in items:
        budget = i.get("budget") or {}
        firing = ",".join(f"{f['urgency']} {f['window']}" for f in i.get("firing", []))
        rows.append(
            [
                i["name"],
                i["cluster"],
                f"{i['namespace']}/{i['service']}" if i.get("namespace") else i["service"],
                _pct(i["objective"]),
                _pct(i.get("sli_value")),
                _pct(budget.get("remaining"), 1) if i.get("total") else "no traffic",
                f"{i.get('burn_rates', {}).get('1h', 0.0):.2f}x",
                firing or "-",
            ]
        )
    return _table(rows)


def report_lines(doc: dict[str, Any]) -> list[str]:
    rows = [["SLO", "OBJECTIVE", "ACHIEVED", "RESULT", "BUDGET USED", "REQUESTS", "BURN ALERTS"]]
    for r in doc["reports"]:
        result = "-" if r["met"] is None else ("met" if r["met"] else "MISSED")
        rows.append(
            [
                r["slo"],
                _pct(r["objective"]),
                _pct(r["achieved"]),
                result,
                _pct(r["budget_consumed"], 1),
                f"{r['total']:,}",
                str(len(r["burn_alerts"])),
            ]
        )
    head = f"SLO report {doc['period']} ({doc['timezone']})"
    return [head, "", *_table(rows)]


async def _request(http: httpx.AsyncClient, args: argparse.Namespace) -> tuple[httpx.Response, str]:
    if args.action == "list":
        r = await http.get("/api/v1/slos", params={"sparkline_hours": 0})
        if not r.is_success:
            return r, ""
        items = r.json()["items"]
        lines = [json.dumps(i, sort_keys=True) for i in items] if args.json else list_lines(items)
        return r, "\n".join(lines) + "\n"
    fmt = "json" if args.format == "text" else args.format
    r = await http.get("/api/v1/slo/reports", params={"period": args.period, "format": fmt})
    if not r.is_success:
        return r, ""
    if args.format == "text":
        return r, "\n".join(report_lines(r.json())) + "\n"
    return r, r.text


COMMAND = Command("lookout slo", _parser, _request)
run = COMMAND.run
main = COMMAND.main
