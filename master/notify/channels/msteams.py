"""Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
received"), which takes a message activity carrying one Adaptive Card attachment
(``contentType: application/vnd.microsoft.card.adaptive``). The retired Office 365 connector
format (MessageCard) is deliberately not supported.

The card: a bold title line with emoji and status, a FactSet (severity, cluster, namespace,
counts), the subjects as a bulleted TextBlock, a "…and N more" line, enrichment in monospace,
and an OpenUrl action to the dashboard. Teams refuses payloads over about 28 KB, so subjects
share a character budget well below that."""

from __future__ import annotations

from typing import Any

import orjson

from master.notify.channels.base import SendContext, WebChannelConfig
from master.notify.i18n import text
from master.notify.message import Notification
from master.notify.posting import IDEMPOTENCY_HEADER, HttpRequest, post
from master.notify.summaries import clip, subject_line, summarise

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
SUBJECT_BUDGET = 12_000
MAX_SUBJECT_LINE = 300
MAX_ATTACHMENT_TEXT = 3_000


class TeamsConfig(WebChannelConfig):
    """``url``: the workflow's HTTP trigger URL (it carries a signature: a secret)."""


def _markdown_escape(value: str) -> str:
    # Adaptive Card TextBlocks render a markdown subset; keep label values literal.
    for ch in "\\*_[]`":
        value = value.replace(ch, "\\" + ch)
    return value


def card(n: Notification) -> dict[str, Any]:
    s = summarise(n)
    lang = n.language
    facts = [
        {"title": text(lang, "severity"), "value": f"{s.severity_emoji} {s.severity_word}"},
        {
            "title": text(lang, "alerts"),
            "value": text(lang, "count.firing", count=s.firing + n.truncated),
        },
    ]
    if s.resolved:
        facts.append({"title": "", "value": text(lang, "count.resolved", count=s.resolved)})
    if s.cluster:
        facts.append({"title": text(lang, "cluster"), "value": s.cluster})
    if s.namespace:
        facts.append({"title": text(lang, "namespace"), "value": s.namespace})
    lines: list[str] = []
    used = 0
    for subject in s.subjects:
        mark = "✅ " if subject.status == "resolved" else ""
        line = "- " + mark + _markdown_escape(clip(subject_line(subject), MAX_SUBJECT_LINE))
        if used + len(line) + 1 > SUBJECT_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": clip(f"{s.severity_emoji} {s.status_word}: {s.title}", 300),
            "size": "Large",
            "weight": "Bolder",
            "wrap": True,
            "style": "heading",
        },
        {"type": "FactSet", "facts": facts},
    ]
    if lines:
        body.append({"type": "TextBlock", "text": "\n".join(lines), "wrap": True})
    omitted = len(s.subjects) - len(lines) + n.truncated
    if omitted:
        body.append(
            {
                "type": "TextBlock",
                "text": text(lang, "more", count=omitted),
                "isSubtle": True,
                "wrap": True,
            }
        )
    for a in n.attachments:
        tail = a.text if len(a.text) <= MAX_ATTACHMENT_TEXT else "…" + a.text[-MAX_ATTACHMENT_TEXT:]
        body.append(
            {"type": "TextBlock", "text": clip(a.title, 150), "weight": "Bolder", "wrap": True}
        )
        body.append({"type": "TextBlock", "text": tail, "fontType": "Monospace", "wrap": True})
    return {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        # No button without an external URL: a relative one opens nothing.
        "actions": (
            [{"type": "Action.OpenUrl", "title": text(lang, "open"), "url": s.url}] if s.url else []
        ),
        "msteams": {"width": "Full"},
    }


def render(n: Notification, config: TeamsConfig, *, now_ms: int) -> HttpRequest:
    del now_ms
    message = {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card(n)}],
    }
    return HttpRequest(
        url=config.url.get_secret_value(),
        body=orjson.dumps(message),
        headers={"Content-Type": "application/json", IDEMPOTENCY_HEADER: n.idempotency_key},
    )


async def send(request: HttpRequest, config: TeamsConfig, context: SendContext) -> int:
    del config
    answer = await post(request, context.policy, client=context.http, resolver=context.resolver)
    return answer.status
