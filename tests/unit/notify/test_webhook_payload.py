"""The webhook channel's Alertmanager payload (version 4) and the Alertmanager push body."""

from __future__ import annotations

from dataclasses import replace

import orjson

from master.notify.channels.alertmanager import AlertmanagerConfig
from master.notify.channels.alertmanager import render as render_push
from master.notify.channels.webhook import WebhookConfig, render
from tests.unit.notify.samples import T0, crashloop, resolved

WEBHOOK = WebhookConfig.model_validate({"url": "https://hooks.example.com/am"})


def test_the_payload_has_exactly_alertmanagers_fields_plus_the_idempotency_key() -> None:
    request = render(crashloop(2), WEBHOOK, now_ms=T0)
    body = orjson.loads(request.body)
    assert set(body) == {
        "version",
        "groupKey",
        "truncatedAlerts",
        "status",
        "receiver",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
        "alerts",
        "idempotencyKey",
    }
    assert body["version"] == "4"
    assert body["idempotencyKey"] == "n-1"
    assert request.headers["X-Lookout-Idempotency-Key"] == "n-1"
    alert = body["alerts"][0]
    assert set(alert) == {
        "status",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "generatorURL",
        "fingerprint",
    }
    assert alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert alert["startsAt"] == "2026-05-28T20:26:40.000Z"


def test_resolved_alerts_carry_their_end() -> None:
    n = resolved(crashloop(1), key="n-2", at_ms=T0 + 60_123)
    body = orjson.loads(render(n, WEBHOOK, now_ms=T0).body)
    assert body["status"] == "resolved"
    assert body["alerts"][0]["endsAt"] == "2026-05-28T20:27:40.123Z"


def test_max_alerts_truncates_and_counts_like_alertmanager() -> None:
    config = WebhookConfig.model_validate({"url": "https://h.example.com/", "max_alerts": 10})
    body = orjson.loads(render(crashloop(25, truncated=5), config, now_ms=T0).body)
    assert len(body["alerts"]) == 10
    assert body["truncatedAlerts"] == 20


def test_a_bearer_token_is_sent_and_masked() -> None:
    config = WebhookConfig.model_validate(
        {"url": "https://h.example.com/", "bearer_token": "s3cr3t"}
    )
    assert render(crashloop(1), config, now_ms=T0).headers["Authorization"] == "Bearer s3cr3t"
    assert "s3cr3t" not in repr(config)


def test_push_sends_postable_alerts_and_resolved_ones_end_now_when_unstamped() -> None:
    config = AlertmanagerConfig.model_validate({"url": "http://am.example.com:9093/"})
    firing = orjson.loads(render_push(crashloop(1), config, now_ms=T0).body)
    assert firing == [
        {
            "labels": crashloop(1).alerts[0].labels,
            "annotations": crashloop(1).alerts[0].annotations,
            "startsAt": "2026-05-28T20:26:40.000Z",
            "generatorURL": "https://lookout.example.com/alerts/0000000000000000",
        }
    ]
    gone = resolved(crashloop(1), key="n-2", at_ms=T0)
    n = replace(gone, alerts=(replace(gone.alerts[0], ends_at_ms=None),))
    body = orjson.loads(render_push(n, config, now_ms=T0 + 5_000).body)
    assert body[0]["endsAt"] == "2026-05-28T20:26:45.000Z"
    request = render_push(n, config, now_ms=T0)
    assert request.url == "http://am.example.com:9093/api/v2/alerts"
