"""Push to an existing Prometheus Alertmanager (``POST <url>/api/v2/alerts``), for teams that
already route everything through one. Each alert becomes a ``postableAlert``: ``labels``,
``annotations``, ``startsAt``, ``generatorURL`` and, once resolved, ``endsAt`` (the alert's own
end, or ``now`` when the core did not stamp one), which makes Alertmanager resolve it.

A firing alert is sent without ``endsAt``: Alertmanager then keeps it for its
``resolve_timeout`` (5 min by default), so the alert core must repeat firing groups routed here
more often than that (``repeat_interval``), as Prometheus itself re-sends."""

from __future__ import annotations

import base64
from typing import Any

import orjson
from pydantic import SecretStr, model_validator

from master.notify.channels.base import SendContext, WebChannelConfig
from master.notify.message import AlertItem, Notification
from master.notify.posting import IDEMPOTENCY_HEADER, HttpRequest, post
from master.notify.summaries import iso_ms

ALERTS_PATH = "/api/v2/alerts"


class AlertmanagerConfig(WebChannelConfig):
    """``url``: the Alertmanager's base URL (``http://alertmanager:9093``). Auth: a bearer
    token or basic auth (``username`` + ``password``), not both."""

    bearer_token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _one_auth(self) -> AlertmanagerConfig:
        if self.bearer_token is not None and self.username is not None:
            raise ValueError("give bearer_token or username/password, not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both username and password")
        return self


def postable(a: AlertItem, *, now_ms: int) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": dict(a.labels),
        "annotations": dict(a.annotations),
        "startsAt": iso_ms(a.starts_at_ms),
    }
    if a.generator_url:
        alert["generatorURL"] = a.generator_url
    if a.status == "resolved":
        alert["endsAt"] = iso_ms(a.ends_at_ms if a.ends_at_ms is not None else now_ms)
    return alert


def render(n: Notification, config: AlertmanagerConfig, *, now_ms: int) -> HttpRequest:
    headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: n.idempotency_key}
    if config.bearer_token is not None:
        headers["Authorization"] = f"Bearer {config.bearer_token.get_secret_value()}"
    elif config.username is not None and config.password is not None:
        pair = f"{config.username}:{config.password.get_secret_value()}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    url = config.url.get_secret_value().rstrip("/") + ALERTS_PATH
    body = orjson.dumps([postable(a, now_ms=now_ms) for a in n.alerts])
    return HttpRequest(url=url, body=body, headers=headers)


async def send(request: HttpRequest, config: AlertmanagerConfig, context: SendContext) -> int:
    del config
    answer = await post(request, context.policy, client=context.http, resolver=context.resolver)
    return answer.status
