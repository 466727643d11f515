"""Slack incoming webhook with Block Kit.

Layout: a header (emoji + status + title), a fields section (severity as emoji *and* word,
cluster, namespace, counts), the grouped subjects as bulleted lines with links, a context line
saying how many subjects were left out, the enrichment as code blocks, and a button to the group
on the dashboard. Slack's documented limits are kept by construction — at most 50 blocks,
3,000 characters per section text, 2,000 per field, 10 fields, 150 for the header, 75 for a
button label, 3,000 for a URL — plus a total budget for the subject lines, because Slack also
refuses messages whose blocks are long in total (``msg_blocks_too_long`` well below 50 x 3,000).
A group of 500 pods therefore shows the first subjects and says "…and N more not shown"."""

from __future__ import annotations

from typing import Any

import orjson

from master.notify.channels.base import SendContext, WebChannelConfig
from master.notify.i18n import text
from master.notify.message import Notification
from master.notify.posting import IDEMPOTENCY_HEADER, HttpRequest, post
from master.notify.summaries import Subject, Summary, clip, subject_line, summarise

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3_000
MAX_FIELD_TEXT = 2_000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_URL = 3_000
MAX_FALLBACK_TEXT = 1_000
# Subject lines share one budget: below the undocumented total at which Slack answers
# msg_blocks_too_long (reported near 13,000 characters), with room for everything else.
SUBJECT_BUDGET = 8_000
MAX_SUBJECT_LINE = 300
MAX_ATTACHMENT_TEXT = MAX_SECTION_TEXT - 200


class SlackConfig(WebChannelConfig):
    """``url``: the incoming-webhook URL (https://hooks.slack.com/services/…), a secret."""


def escape(value: str) -> str:
    """Slack mrkdwn's three control characters (its documented escaping)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    if not url or len(url) > MAX_URL or "|" in url or ">" in url:
        return escape(label)
    return f"<{url}|{escape(label)}>"


def _fields(s: Summary, n: Notification) -> list[dict[str, str]]:
    lang = n.language
    counts = [text(lang, "count.firing", count=s.firing + n.truncated)]
    if s.resolved:
        counts.append(text(lang, "count.resolved", count=s.resolved))
    pairs = [
        (text(lang, "severity"), f"{s.severity_emoji} {s.severity_word}"),
        (text(lang, "alerts"), " · ".join(counts)),
    ]
    if s.cluster:
        pairs.append((text(lang, "cluster"), f"`{escape(s.cluster)}`"))
    if s.namespace:
        pairs.append((text(lang, "namespace"), f"`{escape(s.namespace)}`"))
    return [
        {"type": "mrkdwn", "text": clip(f"*{escape(k)}*\n{v}", MAX_FIELD_TEXT)}
        for k, v in pairs[:MAX_FIELDS]
    ]


def _subject_sections(s: Summary, max_sections: int) -> tuple[list[dict[str, Any]], int]:
    """Sections of bulleted subject lines within the budgets; and how many did not fit."""
    sections: list[dict[str, Any]] = []
    current: list[str] = []
    size = used = shown = 0
    for subject in s.subjects:
        mark = "✅ " if subject.status == "resolved" else ""
        line = "• " + mark + clip(_subject_text(subject), MAX_SUBJECT_LINE)
        if used + len(line) + 1 > SUBJECT_BUDGET:
            break
        if size + len(line) + 1 > MAX_SECTION_TEXT:
            if len(sections) + 1 >= max_sections:
                break
            sections.append(_section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        used += len(line) + 1
        shown += 1
    if current:
        sections.append(_section("\n".join(current)))
    return sections, len(s.subjects) - shown


def _subject_text(subject: Subject) -> str:
    label = clip(subject.name, 150)
    rest = subject_line(subject)[len(subject.name) :]
    return _link(subject.url, label) + escape(clip(rest, MAX_SUBJECT_LINE - len(label)))


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, MAX_SECTION_TEXT)}}


def blocks_for(n: Notification) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks, within every limit above."""
    s = summarise(n)
    header = f"{s.severity_emoji} {s.status_word}: {s.title}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(header, MAX_HEADER_TEXT)}},
        {"type": "section", "fields": _fields(s, n)},
    ]
    tail: list[dict[str, Any]] = []
    for a in n.attachments:
        body = a.text if len(a.text) <= MAX_ATTACHMENT_TEXT else "…" + a.text[-MAX_ATTACHMENT_TEXT:]
        # Inside ``` Slack still parses &, < and >; escaping keeps log text from becoming links.
        tail.append(_section(f"*{escape(clip(a.title, 150))}*\n```{escape(body)}```"))
    if s.url:  # no button without an external URL: a relative one opens nothing
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": clip(text(n.language, "open"), 75)},
            "url": clip(s.url, MAX_URL),
        }
        tail.append({"type": "actions", "elements": [button]})
    room = MAX_BLOCKS - len(blocks) - len(tail) - 1  # one for the "more" context line
    subjects, left_out = _subject_sections(s, max(room, 1))
    blocks.extend(subjects)
    omitted = left_out + n.truncated
    if omitted:
        more = text(n.language, "more", count=omitted)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    blocks.extend(tail)
    fallback = clip(f"{s.severity_emoji} {s.status_word} {s.severity_word}: {s.headline}", 1000)
    return fallback, blocks[:MAX_BLOCKS]


def render(n: Notification, config: SlackConfig, *, now_ms: int) -> HttpRequest:
    del now_ms  # Slack stamps messages itself
    fallback, blocks = blocks_for(n)
    body = orjson.dumps({"text": fallback, "blocks": blocks})
    return HttpRequest(
        url=config.url.get_secret_value(),
        body=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: n.idempotency_key,
        },
    )


async def send(request: HttpRequest, config: SlackConfig, context: SendContext) -> int:
    del config
    answer = await post(request, context.policy, client=context.http, resolver=context.resolver)
    return answer.status
