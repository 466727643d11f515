"""``lookout silence add|list|expire``: silences through the master's HTTP API, with a token.

    lookout silence add -m 'namespace="shop"' [-m ...] --for 2h --comment "db upgrade"
    lookout silence list [--state active|pending|expired] [--json]
    lookout silence expire ID

Where and as whom: ``--url`` / ``LOOKOUT_URL`` (default http://127.0.0.1:8080) and ``--token``
/ ``LOOKOUT_TOKEN`` (an API token of an operator, or a viewer for ``list``), read by
:class:`CliSettings`. The master decides everything (matcher syntax, scope, limits); this
module only shapes the request and prints the answer, and exits 1 with the master's message
when it refuses. Deliberately no retries: a person is at the keyboard."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from lookout_cli.apiclient import (
    Command,
    UsageError,
    add_connection_args,
)

_DURATION = re.compile(r"([0-9]{1,9})([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}


def parse_duration(text: str) -> int:
    """Seconds in ``90s``, ``30m``, ``2h``, ``7d`` (or combined: ``1h30m``)."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise UsageError(f"--for {text!r}: use a duration like 30m, 2h or 1d12h")
    seconds = sum(int(n) * _UNIT_S[u] for n, u in parts)
    if seconds <= 0:
        raise UsageError("--for must be longer than 0s")
    return seconds


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lookout silence", description=__doc__.split("\n")[0])
    add_connection_args(p)
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="silence the alerts these matchers select")
    add.add_argument("-m", "--matcher", action="append", required=True, dest="matchers")
    add.add_argument("--for", dest="duration", required=True, help="e.g. 30m, 2h, 1d")
    add.add_argument("-c", "--comment", required=True, help="why (shown to everyone)")
    ls = sub.add_parser("list", help="list silences")
    ls.add_argument("--state", choices=["active", "pending", "expired"])
    ls.add_argument("--json", action="store_true", help="the API's JSON, one object per line")
    ex = sub.add_parser("expire", help="end a silence now")
    ex.add_argument("id")
    return p


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(s: dict[str, Any]) -> str:
    matchers = ",".join(str(m) for m in s.get("matchers", []))
    return "\t".join(
        [
            str(s["id"]),
            str(s.get("state", "")),
            _when(int(s["ends_at_ms"])),
            str(s.get("created_by", "")),
            matchers,
            str(s.get("comment", "")),
        ]
    )


async def _request(
    http: httpx.AsyncClient, args: argparse.Namespace
) -> tuple[httpx.Response, list[str]]:
    if args.action == "add":
        body = {
            "matchers": args.matchers,
            "duration_s": parse_duration(args.duration),
            "comment": args.comment,
        }
        r = await http.post("/api/v1/silences", json=body)
        if r.status_code != 201:
            return r, []
        s = r.json()
        return r, [_line(s), f"{len(s.get('matching', []))} alert(s) silenced now"]
    if args.action == "list":
        params = {"state": args.state} if args.state else {}
        r = await http.get("/api/v1/silences", params=params)
        if r.status_code != 200:
            return r, []
        items = r.json()["items"]
        if args.json:
            return r, [json.dumps(s, sort_keys=True) for s in items]
        return r, [_line(s) for s in items]
    r = await http.post(f"/api/v1/silences/{args.id}/expire")
    return r, [_line(r.json())] if r.status_code == 200 else []


async def _text(http: httpx.AsyncClient, args: argparse.Namespace) -> tuple[httpx.Response, str]:
    r, lines = await _request(http, args)
    return r, "".join(line + "\n" for line in lines)


COMMAND = Command("lookout silence", _parser, _text)
run = COMMAND.run
main = COMMAND.main
