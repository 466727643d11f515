"""Turning a spotted condition into a ``Finding``: the fingerprint, the rule lookup (severity,
category, overrides, disabled reasons) and the evaluation scope every detector receives.

Owns the identity of a finding. The fingerprint hashes what identifies the *condition* across
agent restarts and clusters: a format version, the origin (``Event`` for event-derived
findings, so they never share a fingerprint with the state-derived rule of the same reason),
the reason, the subject's kind/namespace/name and the container. The subject's uid is left out
on purpose: a StatefulSet pod or a re-applied object that comes back under the same name is the
same problem to an operator, and the tracker already resolves a finding when its object is
deleted, so a recreated object re-opens it cleanly. The cluster is left out too; the master
scopes fingerprints by cluster.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from agent.detect.context import Context
from agent.detect.objects import ObjectMeta
from agent.detect.rules import EVENT_DEFAULT, RULES, Rule
from agent.detect.settings import DetectSettings
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

FINGERPRINT_VERSION = "1"


def fingerprint(reason: str, subject: ObjectRef, *, container: str = "", origin: str = "") -> str:
    parts = (FINGERPRINT_VERSION, origin, reason, subject.kind, subject.namespace, subject.name)
    identity = "\x1f".join((*parts, container))
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def subject_of(kind: str, meta: ObjectMeta) -> ObjectRef:
    return ObjectRef(kind, meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", ""))


def rule_for(reason: str) -> Rule:
    return RULES.get(reason, EVENT_DEFAULT)


@dataclass(frozen=True, slots=True)
class Scope:
    """Everything a detector needs besides the object: the evaluation time, thresholds and
    lookups. ``deadlines`` collects when a duration condition seen but not yet held would
    start to count (the agent's rechecks use it to know when time alone can change a
    verdict)."""

    now_ms: int
    settings: DetectSettings
    ctx: Context
    deadlines: list[float] = field(default_factory=list)

    def held(self, since_ms: int | None, seconds: float) -> bool:
        """True when a condition known to have started at ``since_ms`` has lasted ``seconds``.
        An unknown start never counts as held: firing needs evidence of duration."""
        if since_ms is None:
            return False
        if self.now_ms - since_ms >= seconds * 1000:
            return True
        self.deadlines.append(since_ms + seconds * 1000)
        return False

    def reporter(
        self, subject: ObjectRef, *, owner: ObjectRef | None = None, node: str = ""
    ) -> Reporter:
        return Reporter(self, subject, owner, node)


@dataclass(slots=True)
class Reporter:
    """Collects the findings of one object, filling in what they share."""

    scope: Scope
    subject: ObjectRef
    owner: ObjectRef | None
    node: str
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        reason: str,
        message: str,
        *,
        since_ms: int | None = None,
        last_ms: int | None = None,
        count: int = 1,
        container: str = "",
        origin: str = "",
        attrs: dict[str, str] | None = None,
    ) -> None:
        settings = self.scope.settings
        if reason in settings.disabled_reasons:
            return
        rule = rule_for(reason)
        override = settings.severity_overrides.get(reason)
        severity = Severity.parse(override) if override else rule.severity
        now = self.scope.now_ms
        last = min(last_ms, now) if last_ms is not None else now
        first = min(since_ms, last) if since_ms is not None else last
        extra = dict(attrs or {})
        if container:
            extra["container"] = container
        self.findings.append(
            Finding(
                fingerprint=fingerprint(reason, self.subject, container=container, origin=origin),
                reason=reason,
                severity=severity,
                category=rule.category,
                subject=self.subject,
                message=message,
                first_seen_ms=first,
                last_seen_ms=last,
                owner=self.owner,
                node=self.node,
                count=max(1, count),
                attrs=extra,
            )
        )

    def has(self, reasons: frozenset[str]) -> bool:
        return any(f.reason in reasons for f in self.findings)
