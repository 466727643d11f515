"""Loading the kubectl-shaped JSON fixtures in tests/fixtures/k8s (evaluated at NOW)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from agent.detect.context import IndexContext
from agent.detect.registry import detect
from agent.detect.settings import DetectSettings
from shared.domain.findings import Finding

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "k8s"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
MINUTE_MS = 60_000

Objects = list[tuple[str, Mapping[str, Any]]]


@cache
def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(name: str) -> Objects:
    """Fresh (kind, object) pairs from a fixture List; tests may mutate them."""
    doc = orjson.loads(_raw(name))
    return [(item["kind"], item) for item in doc["items"]]


def pick(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    for k, obj in objects:
        if k == kind and obj["metadata"]["name"] == name:
            return dict(obj)
    raise LookupError(f"{kind}/{name} not in fixture")


def judge(
    fixture: str,
    kind: str,
    name: str,
    *,
    with_context: bool = True,
    settings: DetectSettings | None = None,
    now_ms: int = NOW_MS,
) -> list[Finding]:
    """Findings for one fixture object, with a context of the whole fixture file."""
    objects = load(fixture)
    ctx = IndexContext.from_objects(objects if with_context else [])
    return detect(
        kind, pick(objects, kind, name), now=now_ms, ctx=ctx, settings=settings or DetectSettings()
    )


def reasons(findings: list[Finding]) -> list[str]:
    return sorted(f.reason for f in findings)
