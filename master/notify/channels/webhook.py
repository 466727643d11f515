"""Generic webhook with the Alertmanager webhook payload (``version: "4"``), so a receiver
written for Alertmanager works unchanged: ``receiver``, ``status``, ``alerts[]`` (status,
labels, annotations, startsAt, endsAt, generatorURL, fingerprint), ``groupLabels``,
``commonLabels``, ``commonAnnotations``, ``externalURL``, ``groupKey``, ``truncatedAlerts``.

Lookout adds two top-level fields that such receivers ignore: ``idempotencyKey`` (also sent as
the ``X-Lookout-Idempotency-Key`` header, so a receiver can drop the rare duplicate after a
crash between send and commit) and, when the alert was enriched, ``attachments``. Times are
RFC 3339 UTC; a firing alert's ``endsAt`` is Go's zero time, as Alertmanager sends it."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import Field, SecretStr

from master.notify.channels.base import SendContext, WebChannelConfig
from master.notify.message import AlertItem, Notification
from master.notify.posting import IDEMPOTENCY_HEADER, HttpRequest, post
from master.notify.summaries import iso_ms

ZERO_TIME = "0001-01-01T00:00:00Z"


class WebhookConfig(WebChannelConfig):
    """``max_alerts``: like Alertmanager's, the most alerts in one payload (0: all); the rest
    are counted in ``truncatedAlerts``. ``bearer_token``: sent as ``Authorization: Bearer``."""

    bearer_token: SecretStr | None = None
    max_alerts: int = Field(default=0, ge=0)


def alert_json(a: AlertItem) -> dict[str, Any]:
    return {
        "status": a.status,
        "labels": dict(a.labels),
        "annotations": dict(a.annotations),
        "startsAt": iso_ms(a.starts_at_ms),
        "endsAt": iso_ms(a.ends_at_ms) if a.ends_at_ms is not None else ZERO_TIME,
        "generatorURL": a.generator_url,
        "fingerprint": a.fingerprint,
    }


def payload(n: Notification, config: WebhookConfig) -> dict[str, Any]:
    alerts = n.alerts
    cut = 0
    if config.max_alerts and len(alerts) > config.max_alerts:
        cut = len(alerts) - config.max_alerts
        alerts = alerts[: config.max_alerts]
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": n.group_key,
        "truncatedAlerts": n.truncated + cut,
        "status": n.status,
        "receiver": n.receiver,
        "groupLabels": dict(n.group_labels),
        "commonLabels": dict(n.common_labels),
        "commonAnnotations": dict(n.common_annotations),
        "externalURL": n.external_url,
        "alerts": [alert_json(a) for a in alerts],
        "idempotencyKey": n.idempotency_key,
    }
    if n.attachments:
        body["attachments"] = [
            {"title": a.title, "kind": a.kind, "text": a.text} for a in n.attachments
        ]
    return body


def render(n: Notification, config: WebhookConfig, *, now_ms: int) -> HttpRequest:
    del now_ms  # the payload carries the alerts' own times
    headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: n.idempotency_key}
    if config.bearer_token is not None:
        headers["Authorization"] = f"Bearer {config.bearer_token.get_secret_value()}"
    return HttpRequest(
        url=config.url.get_secret_value(), body=orjson.dumps(payload(n, config)), headers=headers
    )


async def send(request: HttpRequest, config: WebhookConfig, context: SendContext) -> int:
    del config
    answer = await post(request, context.policy, client=context.http, resolver=context.resolver)
    return answer.status
