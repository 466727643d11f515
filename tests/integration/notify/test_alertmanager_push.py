"""Push into a real Alertmanager (v0.35.0, built from the Go module proxy): its own API lists
the pushed alerts with their labels, and resolved ones end."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from master.notify.channels import SendContext
from master.notify.receivers import parse_receiver
from master.notify.worker import send_notification
from tests.integration.notify.alertmanager_peer import alertmanager_bin, running_alertmanager
from tests.unit.notify.samples import crashloop, resolved

__all__ = ["alertmanager_bin"]  # the fixture, used by name


async def _listed(base: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{base}/api/v2/alerts", params={"active": "true"})
        response.raise_for_status()
        alerts: list[dict[str, Any]] = response.json()
        return alerts


async def test_alertmanager_lists_pushed_alerts_with_their_labels_and_ends_resolved_ones(
    alertmanager_bin: Path, tmp_path: Path
) -> None:
    # Alertmanager judges "ended" by its own clock, so these alerts are placed in real time
    # (a minute ago); nothing here measures time.
    base_ms = int(time.time() * 1000) - 60_000
    firing = crashloop(3, receiver="am", key="am-1")
    firing = replace(
        firing,
        alerts=tuple(replace(a, starts_at_ms=base_ms + i) for i, a in enumerate(firing.alerts)),
    )
    async with running_alertmanager(alertmanager_bin, tmp_path) as base:
        receiver = parse_receiver(
            {"name": "am", "channel": "alertmanager", "config": {"url": base}}
        )
        context = SendContext()
        assert await send_notification(receiver, firing, now_ms=base_ms, context=context) == 200

        listed = await _listed(base)
        assert sorted(a["labels"]["name"] for a in listed) == [
            "api-7d9f-0000",
            "api-7d9f-0001",
            "api-7d9f-0002",
        ]
        by_name = {a["labels"]["name"]: a for a in listed}
        for sent in firing.alerts:
            got = by_name[sent.labels["name"]]
            assert got["labels"] == sent.labels
            assert got["annotations"] == sent.annotations
            assert got["generatorURL"] == sent.generator_url
            assert got["status"]["state"] in {"active", "unprocessed"}

        # One pod recovers: its alert ends, the other two stay.
        one = resolved(replace(firing, alerts=firing.alerts[:1]), key="am-2", at_ms=base_ms + 1_000)
        await send_notification(receiver, one, now_ms=base_ms + 1_000, context=context)
        assert sorted(a["labels"]["name"] for a in await _listed(base)) == [
            "api-7d9f-0001",
            "api-7d9f-0002",
        ]

        # All recover; the core left the end unstamped, so the push stamps "now".
        rest = resolved(replace(firing, alerts=firing.alerts[1:]), key="am-3", at_ms=0)
        rest = replace(rest, alerts=tuple(replace(a, ends_at_ms=None) for a in rest.alerts))
        await send_notification(receiver, rest, now_ms=base_ms + 2_000, context=context)
        assert await _listed(base) == []
