"""``lookout scan [FILE|-] [--output table|json] [--now RFC3339]``: the agent's detectors run
offline over `kubectl get ... -o json` output.

Owns reading and validating the input, building a context from every object in it (so a pod
resolves to its Deployment and a Service sees its pods), and printing findings. Exit codes:
0 nothing critical, 1 at least one critical finding, 2 unreadable input or bad arguments — always
with a one-line message, never a traceback. Restart storms need history and cannot fire here.

Warning events about an object the input shows to be gone are not findings, as on the agent;
but scan input is often partial (only events, or pods of one namespace), so "gone" needs the
input to hold that kind in that namespace at all (``IndexContext.from_objects``): an event
about a pod is dropped only when the input lists pods of the pod's namespace and none of them
is that pod (by name, and by uid when the event names one).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from agent.detect.context import IndexContext
from agent.detect.errors import MalformedObject
from agent.detect.registry import detect
from agent.detect.times import ago
from agent.errors import AgentError
from shared.domain.findings import Finding, Severity

EXIT_OK, EXIT_CRITICAL, EXIT_BAD_INPUT = 0, 1, 2
COLUMNS = ("SEVERITY", "KIND", "NAMESPACE", "NAME", "REASON", "AGE", "MESSAGE")


class InputError(AgentError):
    """Input that cannot be scanned; the message is shown to the user as is."""


def main(argv: Sequence[str]) -> int:
    return run(argv, stdin=sys.stdin.buffer, stdout=sys.stdout, stderr=sys.stderr)


def run(argv: Sequence[str], *, stdin: Any, stdout: TextIO, stderr: TextIO) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as e:  # argparse already printed usage and the error
        return EXIT_OK if e.code == 0 else EXIT_BAD_INPUT
    try:
        now_ms = _parse_now(args.now)
        objects = _objects(_read(args.file, stdin))
    except InputError as e:
        stderr.write(f"lookout scan: {e}\n")
        return EXIT_BAD_INPUT
    findings = scan(objects, now_ms=now_ms, stderr=stderr)
    if args.output == "json":
        stdout.write(orjson.dumps([_as_json(f) for f in findings]).decode() + "\n")
    else:
        stdout.write(_table(findings, now_ms))
    return EXIT_CRITICAL if any(f.severity is Severity.CRITICAL for f in findings) else EXIT_OK


def scan(
    objects: Sequence[tuple[str, Mapping[str, Any]]], *, now_ms: int, stderr: TextIO
) -> list[Finding]:
    """Findings for every object, worst first; malformed objects are reported and skipped."""
    ctx = IndexContext.from_objects(objects)
    findings: list[Finding] = []
    for kind, obj in objects:
        try:
            findings.extend(detect(kind, obj, now=now_ms, ctx=ctx))
        except MalformedObject as e:
            stderr.write(f"lookout scan: skipped {e}\n")
    unique: dict[str, Finding] = {}
    for f in findings:  # two events of one condition share a fingerprint: show the newest
        if f.fingerprint not in unique or f.last_seen_ms > unique[f.fingerprint].last_seen_ms:
            unique[f.fingerprint] = f
    return sorted(
        unique.values(),
        key=lambda f: (-f.severity, f.subject.namespace, f.subject.kind, f.subject.name, f.reason),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lookout scan",
        description="Run Lookout's detectors over `kubectl get ... -o json` output.",
        epilog="example: kubectl get pods,nodes,deployments,events -A -o json | lookout scan -",
    )
    parser.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin")
    parser.add_argument("--output", "-o", choices=("table", "json"), default="table")
    parser.add_argument("--now", help="evaluation time, RFC 3339 with zone (default: now)")
    return parser


def _parse_now(text: str | None) -> int:
    if text is None:
        return int(datetime.now(UTC).timestamp() * 1000)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InputError(
            f"--now {text!r} is not an RFC 3339 time with a zone (2024-05-01T12:00:00Z)"
        )
    return int(when.timestamp() * 1000)


def _read(path: str, stdin: Any) -> bytes:
    try:
        if path == "-":
            data: bytes = stdin.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    if not data.strip():
        raise InputError(
            f"{'stdin' if path == '-' else path} is empty: expected kubectl -o json output"
        )
    return data


def _objects(data: bytes) -> list[tuple[str, Mapping[str, Any]]]:
    """(kind, object) pairs from one object or a List; items of a typed list (``PodList``
    straight from the API) take their kind from the list."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise InputError(f"input is not JSON ({e})") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str) or not doc["kind"]:
        raise InputError(
            'input is not a Kubernetes object or List (expected a JSON object with "kind")'
        )
    kind: str = doc["kind"]
    if not kind.endswith("List"):
        return [(kind, doc)]
    items = doc.get("items")
    if not isinstance(items, list):
        raise InputError(f'{kind} has no "items" array')
    item_kind = kind.removesuffix("List")
    out: list[tuple[str, Mapping[str, Any]]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"{kind} item {i} is not a JSON object")
        own = item.get("kind")
        if not (isinstance(own, str) and own) and not item_kind:
            raise InputError(f'{kind} item {i} has no "kind"')
        out.append((own if isinstance(own, str) and own else item_kind, item))
    return out


def _as_json(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.subject.kind,
        "namespace": f.subject.namespace,
        "name": f.subject.name,
        "uid": f.subject.uid,
        "reason": f.reason,
        "severity": f.severity.label,
        "category": f.category,
        "message": f.message,
        "owner": str(f.owner) if f.owner else None,
        "node": f.node,
        "count": f.count,
        "first_seen": _rfc3339(f.first_seen_ms),
        "last_seen": _rfc3339(f.last_seen_ms),
        "fingerprint": f.fingerprint,
        "attrs": dict(f.attrs),
    }


def _rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def _table(findings: Sequence[Finding], now_ms: int) -> str:
    if not findings:
        return "no findings\n"
    rows = [
        (
            f.severity.label,
            f.subject.kind,
            f.subject.namespace or "-",
            f.subject.name + (f"[{f.attrs['container']}]" if "container" in f.attrs else ""),
            f.reason,
            ago(f.first_seen_ms, now_ms),
            f.message,
        )
        for f in findings
    ]
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in [COLUMNS, *rows]
    ]
    return "\n".join(lines) + "\n"
