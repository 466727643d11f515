"""Enrichment at fire time: a firing notification about crash-looping or OOM-killed pods gets
the last log lines of (at most ``max_subjects`` of) those pods' containers attached, fetched
through the command path (``pod_logs``, run by the agent, which redacts the text; audited like
any command, actor ``alerts``).

Where it runs: in the notify worker, just before the first attempt of an outbox row (the port
``Worker.enrich``), never in the alert step. The step's transaction writes the row first, so
what was decided is queued before anything slow happens, and the engine's task never waits on a
cluster ("nothing acknowledged is lost" is untouched: the finding's ack already waited for the
row). The enriched notification is written back to its row (still leased) before the send, so
retries after a receiver outage carry the same attachments and are not fetched again, and the
payload behind an idempotency key does not change between attempts. A master that dies between
fetch and write-back enriches the row again when its lease ends; the command's idempotency key
(derived from the row's) makes that re-fetch return the first command's result.

Bounded: all fetches of a notification run concurrently within ``budget_s`` (3 s); a fetch that
fails or is still running then becomes a one-line "logs unavailable: <reason>" attachment, so a
failed enrichment delays the alert by at most the budget. Texts are clipped from the front (the
last lines before a crash explain it) to ``per_attachment_chars`` each and ``total_chars`` in
all, well inside Slack's 3,000-character section and the message total its renderer keeps.

Which alerts: firing pod alerts (``kind=Pod``) that are new in this notification (a repeat or an
update about other pods of the group does not fetch again: fire time only), with a ``reason``
in ``reasons`` (CrashLoopBackOff, OOMKilled) unless their rule says otherwise — a rule's
``enrich: true|false`` travels as the alert's ``enrich`` annotation and wins over the reason
(so ImagePullBackOff can be enriched, or a noisy namespace not). The previous container
instance is read (a crash-looping or OOM-killed container has restarted; its killed instance
is the one that explains it). The container is the finding's ``container`` annotation; without
one the agent picks the pod's only container (``pod_logs``' default). Each pod and container
once, in the notification's order.

Beside the logs, one attachment lists those pods' recent events (``events``, a port onto the
DataHub's mirror: ``master.alerting.pod_events``): no command, no wait. On by default;
``MASTER_ALERTS__ENRICH_LOGS=false`` turns both off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import orjson

from master.alerting.pod_events import EventsLookup, recent_lines
from master.alerts.rules import ENRICH_ANNOTATION
from master.commands.bus import CommandBus
from master.commands.requests import CommandIn, TargetIn, validate
from master.notify.message import AlertItem, Attachment, Notification
from shared.clock import now_ms
from shared.domain.commands import CommandState

log = logging.getLogger(__name__)

ENRICHED_REASONS = frozenset({"CrashLoopBackOff", "OOMKilled"})
ACTOR = "alerts"


@dataclass(frozen=True, slots=True)
class LogSubject:
    """One pod whose container log is fetched."""

    cluster: str
    namespace: str
    pod: str
    container: str  # "" when the finding names none: the pod's only container
    previous: bool


# (subject, lines, timeout_s, idempotency key) -> the log text; raises with a short reason.
LogFetch = Callable[[LogSubject, int, float, str], Awaitable[str]]


def wanted(a: AlertItem, reasons: frozenset[str]) -> bool:
    """A new firing pod alert whose rule asks for enrichment, or whose reason does by default."""
    if not a.new or a.status != "firing" or a.labels.get("kind") != "Pod":
        return False
    say = a.annotations.get(ENRICH_ANNOTATION, "").lower()
    return say == "true" if say in ("true", "false") else a.labels.get("reason") in reasons


def subjects(n: Notification, *, reasons: frozenset[str], limit: int) -> list[LogSubject]:
    """The pods of ``n`` to fetch logs of: ``wanted`` alerts, in the notification's order, each
    pod once, at most ``limit``. None for a resolved notification."""
    if n.status != "firing":
        return []
    out: list[LogSubject] = []
    seen: set[tuple[str, str, str, str]] = set()
    for a in n.firing:
        if not wanted(a, reasons):
            continue
        lb = a.labels
        cluster, ns, pod = lb.get("cluster", ""), lb.get("namespace", ""), lb.get("name", "")
        key = (cluster, ns, pod, a.annotations.get("container", ""))
        if not (cluster and ns and pod) or key in seen:
            continue
        seen.add(key)
        out.append(LogSubject(*key, previous=True))
        if len(out) >= limit:
            break
    return out


def title(s: LogSubject) -> str:
    which = ", ".join(filter(None, (s.container, "previous" if s.previous else "")))
    return f"Last log lines of {s.namespace}/{s.pod}" + (f" ({which})" if which else "")


def clip_tail(text: str, limit: int) -> str:
    """The end of ``text`` within ``limit`` characters, cut at a line start when it can be."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    tail = text[-(limit - 1) :]
    nl = tail.find("\n")
    if 0 <= nl < len(tail) - 1:
        tail = tail[nl + 1 :]
    return "…" + tail


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:200]


@dataclass(slots=True)
class LogEnricher:
    """The ``Worker.enrich`` port's attachments: ``await enricher(notification, key)``."""

    fetch: LogFetch
    events: EventsLookup | None = None
    reasons: frozenset[str] = ENRICHED_REASONS
    max_subjects: int = 3
    lines: int = 20
    budget_s: float = 3.0
    per_attachment_chars: int = 2_000
    total_chars: int = 5_000
    # Kept out of ``total_chars`` for the events when there is an events port: three pods'
    # logs fill the rest, and events cut to their last pod read as if the others had none.
    events_chars: int = 1_200
    event_lines: int = 5  # per pod
    events_settle_s: float = 1.0  # how long after the start to look again when none were found
    clock: Callable[[], int] = now_ms

    async def __call__(self, n: Notification, key: str) -> tuple[Attachment, ...]:
        found = subjects(n, reasons=self.reasons, limit=self.max_subjects)
        if not found:
            return ()
        loop = asyncio.get_running_loop()
        started = loop.time()
        tasks = [
            asyncio.ensure_future(self.fetch(s, self.lines, self.budget_s, f"{key}-logs-{i}"))
            for i, s in enumerate(found)
        ]
        try:
            await asyncio.wait(tasks, timeout=self.budget_s)
        finally:
            for t in tasks:
                t.cancel()  # those still running: the budget is spent
        logs = self._attachments(found, tasks)
        room = self.total_chars - sum(len(a.text) for a in logs)
        events = self._events(found, room)
        wait = self.events_settle_s - (loop.time() - started)
        if not events and self.events is not None and wait > 0:
            # The event that goes with the change that raised the finding can reach the mirror
            # a delta window (the agent's ``delta_window_s``, 0.25 s) after the finding did.
            await asyncio.sleep(wait)
            events = self._events(found, room)
        return (*logs, *events)

    def _events(self, found: Sequence[LogSubject], room: int) -> tuple[Attachment, ...]:
        """One attachment with each pod's newest events (pods without any are left out)."""
        if self.events is None or room <= 0:
            return ()
        now = self.clock()
        pods = list(dict.fromkeys((x.cluster, x.namespace, x.pod) for x in found))
        parts: list[str] = []
        named: list[str] = []
        for cluster, ns, pod in pods:
            lines = recent_lines(self.events(cluster, ns, pod), now_ms=now, limit=self.event_lines)
            if lines:
                named.append(f"{ns}/{pod}")
                head = f"{ns}/{pod}:\n" if len(pods) > 1 else ""
                parts.append(head + "\n".join(lines))
        if not parts:
            return ()
        name = named[0] if len(named) == 1 else f"{len(named)} pods"
        text = clip_tail("\n\n".join(parts), min(self.per_attachment_chars, room))
        return (Attachment(f"Recent events of {name}", text, "events"),)

    def _attachments(
        self, found: Sequence[LogSubject], tasks: Sequence[asyncio.Future[str]]
    ) -> tuple[Attachment, ...]:
        out: list[Attachment] = []
        left = self.total_chars - (self.events_chars if self.events is not None else 0)
        for s, t in zip(found, tasks, strict=True):
            if not t.done() or t.cancelled():
                text = f"logs unavailable: no answer within {self.budget_s:g} s"
            elif (e := t.exception()) is not None:
                text = f"logs unavailable: {_reason(e)}"
                log.info("alerts: no logs of %s/%s for a notification: %s", s.namespace, s.pod, e)
            else:
                text = t.result().rstrip("\n") or "(the container logged nothing)"
            text = clip_tail(text, max(0, min(self.per_attachment_chars, left)))
            if not text:
                break
            left -= len(text)
            out.append(Attachment(title(s), text, "logs"))
        return tuple(out)


class LogsUnavailable(Exception):
    """A ``pod_logs`` command that did not succeed: the message is its reason."""


def bus_fetch(bus: CommandBus) -> LogFetch:
    """``pod_logs`` through the command bus, as actor ``alerts`` (audited, redacted by the
    agent). The command's own deadline is the fetch's timeout: it never runs after it."""

    async def fetch(s: LogSubject, lines: int, timeout_s: float, key: str) -> str:
        if not bus.connected(s.cluster):
            # No one to ask: a command would only wait out the budget (delaying the alert)
            # and then be stored as timed_out.
            raise LogsUnavailable("the cluster's agent is not connected")
        cmd = validate(
            CommandIn(
                type="pod_logs",
                target=TargetIn(kind="Pod", namespace=s.namespace, name=s.pod),
                params={
                    "container": s.container or None,
                    "tail_lines": lines,
                    "previous": s.previous,
                    "limit_bytes": 16 * 1024,
                },
                idempotency_key=key[:128],
                timeout_s=timeout_s,
            )
        )
        snap, _ = await bus.submit(s.cluster, cmd, actor=ACTOR)
        snap = await bus.wait(snap.row.id, timeout_s)
        row = snap.row
        if not row.state.terminal:  # the cluster offline, or its agent slow
            raise LogsUnavailable(f"no answer from the agent (command {row.state.value})")
        if row.state is not CommandState.SUCCEEDED:
            raise LogsUnavailable(row.message or f"the command {row.state.value}")
        result = orjson.loads(row.result_json or b"{}")
        return str(result.get("text", "")) if isinstance(result, dict) else ""

    return fetch
