"""⑦→ out: notifications. The alert core (``master.alerts``) decides *what* to say to whom and
writes ``Notification`` rows to the outbox in the transaction of the alert transition; this
package says it, on every channel, and keeps trying until it is said or visibly dead.

    message    the input contract: Notification, AlertItem, Attachment (frozen dataclasses)
    i18n       the frame's words in en / zh / ja (Kubernetes terms stay English)
    summaries  the wording every channel shares: title, severity emoji + word, subjects
    channels/  one module per channel, listed in CHANNELS: slack, email, webhook,
               alertmanager, msteams — each a config model, a pure render, a thin send
    receivers  a named receiver = channel + validated config + concurrency limit
    safety     outbound checks: http(s) only, no link-local/metadata, not our own ports
    posting    the one HTTP POST (checked, time-bounded, no redirects, capped reads)
    delivery   the retry policy (pure): backoff with full jitter, Retry-After, dead letters
    outbox     the Outbox Protocol the worker drains (store-backed later) + an in-memory one
    worker     claims due deliveries, sends with per-receiver limits, logs every attempt
    testsend   a synthetic notification for a receiver's test button

Deliberately not here: grouping, silences, inhibition, routing and repeat timing (the alert
core), and the outbox table (the store). Imports nothing of the gateway or the ingress.

Errors:

    NotifyError (MasterError)
    ├── UnsafeDestination   a receiver address the master refuses (permanent)
    ├── UnknownChannel      a receiver names no channel in CHANNELS
    └── SendFailed          one attempt failed: status / Retry-After / permanence"""

from __future__ import annotations

from master.notify.channels import CHANNELS
from master.notify.message import AlertItem, Attachment, Notification
from master.notify.outbox import Delivery, MemoryOutbox, Outbox
from master.notify.receivers import Receiver, parse_receiver
from master.notify.testsend import synthetic_notification
from master.notify.worker import AttemptLog, Worker, send_notification

__all__ = [
    "CHANNELS",
    "AlertItem",
    "Attachment",
    "AttemptLog",
    "Delivery",
    "MemoryOutbox",
    "Notification",
    "Outbox",
    "Receiver",
    "Worker",
    "parse_receiver",
    "send_notification",
    "synthetic_notification",
]
