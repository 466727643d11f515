"""The channels, one module each, listed in ``CHANNELS`` (adding one = one file + one row).

slack         Slack incoming webhook, Block Kit within Slack's limits
email         SMTP (STARTTLS / implicit TLS, AUTH), text + HTML, threaded by incident
webhook       any HTTP receiver, Alertmanager webhook payload v4 + idempotency key
alertmanager  push into an existing Alertmanager (POST /api/v2/alerts)
msteams       Microsoft Teams Workflows webhook with an Adaptive Card"""

from __future__ import annotations

from typing import Any

from master.notify.channels import alertmanager, email, msteams, slack, webhook
from master.notify.channels.base import Channel, ChannelConfig, SendContext

CHANNELS: dict[str, Channel[Any, Any]] = {
    "slack": Channel("slack", slack.SlackConfig, slack.render, slack.send),
    "email": Channel("email", email.EmailConfig, email.render, email.send, "smtp"),
    "webhook": Channel("webhook", webhook.WebhookConfig, webhook.render, webhook.send),
    "alertmanager": Channel(
        "alertmanager", alertmanager.AlertmanagerConfig, alertmanager.render, alertmanager.send
    ),
    "msteams": Channel("msteams", msteams.TeamsConfig, msteams.render, msteams.send),
}

__all__ = ["CHANNELS", "Channel", "ChannelConfig", "SendContext"]
