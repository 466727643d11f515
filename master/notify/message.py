"""The input contract of notify: what the alert core (``master.alerts``) hands over for one
receiver and one alert group, already decided (grouped, inhibited, silenced, routed).

Frozen, slotted and free of behaviour, so the alert core can build them inside the store
transaction that writes the outbox row, and every channel renders from the same value. Times are
epoch milliseconds (UTC); label and annotation maps are plain ``dict``s that nobody mutates.

Deliberately not here: how a notification is worded (``summaries``, ``i18n``), rendered
(``channels``) or retried (``delivery``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["firing", "resolved"]
Language = Literal["en", "zh", "ja"]
LANGUAGES: tuple[Language, ...] = ("en", "zh", "ja")

# Enrichment is attached to messages, so it is bounded here once for every channel: the last 20
# log lines of a container plus recent events fit easily; anything larger is cut by the producer.
MAX_ATTACHMENT_CHARS = 8_000
MAX_ATTACHMENTS = 4


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One alert of the group, as in an Alertmanager webhook's ``alerts[]``."""

    fingerprint: str
    status: Status
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at_ms: int
    ends_at_ms: int | None  # None while firing
    generator_url: str  # the alert's page on the dashboard
    new: bool = True  # first notified in this notification (not a repeat): fire-time enrichment


@dataclass(frozen=True, slots=True)
class Attachment:
    """Enrichment text fetched at fire time (container log lines, the pod's recent events),
    already redacted by the agent. ``kind`` is ``"logs"`` or ``"events"``."""

    title: str
    text: str
    kind: str = "logs"

    def __post_init__(self) -> None:
        if len(self.text) > MAX_ATTACHMENT_CHARS:
            # Keep the end: the last lines before a crash are the ones that explain it.
            object.__setattr__(self, "text", "…" + self.text[-(MAX_ATTACHMENT_CHARS - 1) :])


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one receiver about one alert group.

    ``idempotency_key`` is unique per notification and stable across retries and restarts (the
    outbox row's key): receivers drop duplicates by it, and email derives its Message-ID from it.
    ``first_idempotency_key`` names the first notification of the same incident (the group's
    first firing message) so that email can thread later ones under it; None when this is it.
    ``truncated`` counts alerts the alert core already left out of ``alerts``."""

    receiver: str
    group_key: str
    status: Status
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    alerts: tuple[AlertItem, ...]
    idempotency_key: str
    external_url: str
    language: Language
    truncated: int = 0
    attachments: tuple[Attachment, ...] = field(default=())
    first_idempotency_key: str | None = None

    def __post_init__(self) -> None:
        if len(self.attachments) > MAX_ATTACHMENTS:
            object.__setattr__(self, "attachments", self.attachments[:MAX_ATTACHMENTS])

    @property
    def firing(self) -> tuple[AlertItem, ...]:
        return tuple(a for a in self.alerts if a.status == "firing")

    @property
    def resolved(self) -> tuple[AlertItem, ...]:
        return tuple(a for a in self.alerts if a.status == "resolved")
