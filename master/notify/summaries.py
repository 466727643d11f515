"""What every channel says about a notification, before any formatting: the title, the
severity (emoji and word, so it survives colour blindness and plain-text clients), where it is
(cluster / namespace), one line per grouped subject, and the dashboard link.

Pure. Channels decide layout and limits; this module decides wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from master.notify.i18n import text
from master.notify.message import AlertItem, Notification

SEVERITY_EMOJI: dict[str, str] = {
    "critical": "🔴",
    "warning": "🟠",
    "info": "🔵",
    "none": "⚪",
}
RESOLVED_EMOJI = "✅"
SEVERITY_ORDER = ("critical", "warning", "info", "none")


@dataclass(frozen=True, slots=True)
class Subject:
    """One grouped alert as a line: ``Pod shop/api-1 · CrashLoopBackOff — summary``."""

    name: str  # "Pod shop/api-1"
    reason: str
    summary: str
    status: str
    url: str


@dataclass(frozen=True, slots=True)
class Summary:
    title: str  # "CrashLoopBackOff · Deployment shop/api"
    headline: str  # title + counts, in the receiver's language
    status_word: str
    severity: str  # critical | warning | info | none
    severity_emoji: str
    severity_word: str
    cluster: str
    namespace: str
    firing: int
    resolved: int
    subjects: tuple[Subject, ...]
    url: str  # the group on the dashboard


def severity_of(n: Notification) -> str:
    """The worst severity among the alerts (the common label when they agree)."""
    found = {a.labels.get("severity", "none") for a in n.alerts} or {
        n.common_labels.get("severity", "none")
    }
    for s in SEVERITY_ORDER:
        if s in found:
            return s
    return "none"


def subject_of(alert: AlertItem) -> Subject:
    labels = alert.labels
    if labels.get("slo"):  # a burn-rate alert: the SLO and which of its rules
        rule = " ".join(v for v in (labels.get("urgency", ""), labels.get("window", "")) if v)
        return Subject(
            name=f"SLO {labels['slo']}",
            reason=rule or labels.get("alertname", ""),
            summary=alert.annotations.get("summary", ""),
            status=alert.status,
            url=alert.generator_url,
        )
    kind = labels.get("kind", "")
    ns, name = labels.get("namespace", ""), labels.get("name", "")
    who = f"{ns}/{name}" if ns and name else name or labels.get("node", "")
    where = f"{kind} {who}".strip() or labels.get("alertname", alert.fingerprint)
    return Subject(
        name=where,
        reason=labels.get("reason", labels.get("alertname", "")),
        # A signal's summary, else a finding's message ("5 restarts; last exit Error (1)").
        summary=alert.annotations.get("summary") or alert.annotations.get("message", ""),
        status=alert.status,
        url=alert.generator_url,
    )


def title_of(n: Notification) -> str:
    labels = n.common_labels
    reason = labels.get("reason") or labels.get("alertname") or ""
    owner = labels.get("owner", "")
    ns = labels.get("namespace", "")
    if owner:
        where = f"{owner} ({ns})" if ns and "/" not in owner else owner
    elif len(n.alerts) == 1:
        where = subject_of(n.alerts[0]).name
    else:
        where = ns or labels.get("cluster", "")
    return " · ".join(p for p in (reason, where) if p) or n.receiver


# The alerts page's filters a group's common labels can fill (dashboard/src/features/alerts).
PAGE_FILTERS = ("cluster", "namespace", "severity")


def group_url(n: Notification) -> str:
    """The alerts page filtered to the group's cluster/namespace/severity; "" without an
    external URL (a relative link in a mail or chat message leads nowhere)."""
    base = n.external_url.rstrip("/")
    if not base:
        return ""
    query = urlencode({k: n.common_labels[k] for k in PAGE_FILTERS if n.common_labels.get(k)})
    return f"{base}/alerts" + (f"?{query}" if query else "")


def summarise(n: Notification) -> Summary:
    lang = n.language
    severity = severity_of(n)
    title = title_of(n)
    firing, resolved = len(n.firing), len(n.resolved)
    if n.status == "firing":
        headline = text(lang, "summary.firing", title=title, count=firing + n.truncated)
    else:
        headline = text(lang, "summary.resolved", title=title)
    # Firing ones first: they are what the reader has to act on.
    ordered = sorted(n.alerts, key=lambda a: (a.status != "firing", subject_of(a).name))
    return Summary(
        title=title,
        headline=headline,
        status_word=text(lang, n.status),
        severity=severity,
        severity_emoji=RESOLVED_EMOJI if n.status == "resolved" else SEVERITY_EMOJI[severity],
        severity_word=text(lang, f"severity.{severity}"),
        cluster=n.common_labels.get("cluster", ""),
        namespace=n.common_labels.get("namespace", ""),
        firing=firing,
        resolved=resolved,
        subjects=tuple(subject_of(a) for a in ordered),
        url=group_url(n),
    )


def subject_line(s: Subject) -> str:
    parts = [s.name]
    if s.reason:
        parts.append(f"· {s.reason}")
    line = " ".join(parts)
    return f"{line} — {s.summary}" if s.summary else line


def iso_ms(ms: int) -> str:
    """RFC 3339 in UTC with milliseconds, as Alertmanager's JSON carries times."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + "…"
