"""Test-send: a synthetic notification for one receiver, so an admin can check a receiver's
config end to end before a real incident does. It goes through the same render and send as
real ones; its labels say plainly that it is a test, so nobody pages on it."""

from __future__ import annotations

from master.notify.i18n import text
from master.notify.message import AlertItem, Language, Notification


def synthetic_notification(
    receiver: str, *, now_ms: int, language: Language = "en", external_url: str = ""
) -> Notification:
    labels = {
        "alertname": "LookoutTestNotification",
        "severity": "info",
        "reason": "TestNotification",
        "receiver": receiver,
    }
    annotations = {
        "summary": text(language, "test.title"),
        "description": text(language, "test.body", receiver=receiver),
    }
    base = external_url.rstrip("/")
    alert = AlertItem(
        fingerprint=f"test-{now_ms:x}",
        status="firing",
        labels=labels,
        annotations=annotations,
        starts_at_ms=now_ms,
        ends_at_ms=None,
        generator_url=f"{base}/admin/receivers" if base else "",
    )
    return Notification(
        receiver=receiver,
        group_key=f"test:{receiver}",
        status="firing",
        group_labels={"alertname": labels["alertname"]},
        common_labels=labels,
        common_annotations=annotations,
        alerts=(alert,),
        # Unique per press of the button: a receiver that drops duplicates must not drop this.
        idempotency_key=f"test-{receiver}-{now_ms}",
        external_url=external_url,
        language=language,
    )
