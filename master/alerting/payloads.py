"""The one converter from the alert core's decision (``master.alerts.notifications``) to
notify's input (``master.notify.message``), and that input to and from the outbox's JSON.

The core's idempotency key names the notification within its incident (see
``master.alerts.notifications``); the outbox uses it as is and passes the incident's first key
on, so email can thread the incident's mails. A receiver with several channel configs gets one
row per config (``fanout`` > 0 suffixes both keys)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from master.alerting.receivers import ReceiverSet
from master.alerts import notifications as decided
from master.notify.message import LANGUAGES, AlertItem, Attachment, Language, Notification
from master.store.repositories.notifications import OutboxInsert


def outbox_key(core_key: str, fanout: int = 0) -> str:
    """The outbox row's key for one channel config of the receiver (``fanout`` > 0 suffixes)."""
    return core_key if fanout == 0 else f"{core_key}-{fanout}"


def outbox_inserts(
    decisions: Iterable[decided.Notification], *, receivers: ReceiverSet, external_url: str
) -> list[OutboxInsert]:
    """The outbox rows for the core's decisions: one per channel config of each receiver
    (resolved ones only where ``send_resolved``), each knowing its incident's first key."""
    out: list[OutboxInsert] = []
    for d in decisions:
        for i, target in enumerate(receivers.targets.get(d.receiver, ())):
            if d.status == "resolved" and not target.send_resolved:
                continue
            key = outbox_key(d.idempotency_key, i)
            n = convert(
                d,
                receiver=target.name,
                idempotency_key=key,
                first_idempotency_key=outbox_key(d.first_idempotency_key, i),
                external_url=external_url,
                language=receivers.by_name[target.name].language,
            )
            out.append(OutboxInsert(target.name, d.group_key, key, to_payload(n)))
    return out


def convert(
    n: decided.Notification,
    *,
    receiver: str,
    idempotency_key: str,
    first_idempotency_key: str | None = None,
    external_url: str,
    language: Language,
) -> Notification:
    base = external_url.rstrip("/")
    items = tuple(
        AlertItem(
            fingerprint=a.fingerprint,
            status=a.status,
            labels=dict(a.labels),
            annotations=dict(a.annotations),
            starts_at_ms=a.starts_at_ms,
            ends_at_ms=a.ends_at_ms if a.status == "resolved" else None,
            generator_url=f"{base}/alerts/{a.fingerprint}" if base else "",
            new=a.new,
        )
        for a in n.alerts
    )
    return Notification(
        receiver=receiver,
        group_key=n.group_key,
        status=n.status,
        group_labels=dict(n.group_labels),
        common_labels=dict(n.common_labels),
        common_annotations=dict(n.common_annotations),
        alerts=items,
        idempotency_key=idempotency_key,
        external_url=external_url,
        language=language,
        first_idempotency_key=first_idempotency_key,
    )


def to_payload(n: Notification) -> dict[str, Any]:
    return {
        "receiver": n.receiver,
        "group_key": n.group_key,
        "status": n.status,
        "group_labels": n.group_labels,
        "common_labels": n.common_labels,
        "common_annotations": n.common_annotations,
        "alerts": [
            {
                "fingerprint": a.fingerprint,
                "status": a.status,
                "labels": a.labels,
                "annotations": a.annotations,
                "starts_at_ms": a.starts_at_ms,
                "ends_at_ms": a.ends_at_ms,
                "generator_url": a.generator_url,
                "new": a.new,
            }
            for a in n.alerts
        ],
        "idempotency_key": n.idempotency_key,
        "external_url": n.external_url,
        "language": n.language,
        "truncated": n.truncated,
        "attachments": [{"title": t.title, "text": t.text, "kind": t.kind} for t in n.attachments],
        "first_idempotency_key": n.first_idempotency_key,
    }


def _status(value: object) -> decided.NotifyStatus:
    if value == "firing":
        return "firing"
    if value == "resolved":
        return "resolved"
    raise ValueError(f"not a notification status: {value!r}")


def _language(value: object) -> Language:
    for lang in LANGUAGES:
        if value == lang:
            return lang
    raise ValueError(f"not a language: {value!r}")


def _strs(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(value).items()}


def from_payload(d: dict[str, Any]) -> Notification:
    """Raises ValueError / KeyError / TypeError for a payload this version cannot read."""
    alerts = tuple(
        AlertItem(
            fingerprint=str(a["fingerprint"]),
            status=_status(a["status"]),
            labels=_strs(a["labels"]),
            annotations=_strs(a["annotations"]),
            starts_at_ms=int(a["starts_at_ms"]),
            ends_at_ms=None if a["ends_at_ms"] is None else int(a["ends_at_ms"]),
            generator_url=str(a["generator_url"]),
            new=bool(a.get("new", True)),  # rows queued before the field: as before, enriched
        )
        for a in d["alerts"]
    )
    first = d.get("first_idempotency_key")
    return Notification(
        receiver=str(d["receiver"]),
        group_key=str(d["group_key"]),
        status=_status(d["status"]),
        group_labels=_strs(d["group_labels"]),
        common_labels=_strs(d["common_labels"]),
        common_annotations=_strs(d["common_annotations"]),
        alerts=alerts,
        idempotency_key=str(d["idempotency_key"]),
        external_url=str(d["external_url"]),
        language=_language(d["language"]),
        truncated=int(d.get("truncated", 0)),
        attachments=tuple(
            Attachment(str(t["title"]), str(t["text"]), str(t.get("kind", "logs")))
            for t in d.get("attachments", [])
        ),
        first_idempotency_key=None if first is None else str(first),
    )
