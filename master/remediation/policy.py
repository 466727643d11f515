"""The approval policy: who may approve a remediation where, and when Lookout may approve one
itself. Pure: the config is data (validated here, so a bad one is refused whole), every
judgement takes ``now``.

Rules match a cluster and a namespace (``*`` for any); the most specific rule wins (exact
namespace over ``*``, then exact cluster over ``*``), and with none the default rule applies:
operators and admins approve, one approver who is not the requester, pending approvals expire
after an hour, no automation.

- **Two-person rule** (``two_person``, on by default): the requester (who asked for approval
  by previewing) may not approve their own request; and nobody approves twice.
- **Approvers** (1 or 2): how many distinct approvals run the command.
- **Single use**: an approval runs exactly one command — enforced by the life cycle
  (``states``: ``approved → running`` happens once) and the bus's idempotency key.
- **Auto-approve** (off by default, dangerous): Lookout approves for the reasons listed (all
  when empty), at most ``rate_per_hour`` per cluster, and stops — saying why — once
  ``breaker_failures`` automatic remediations in ``breaker_window_s`` ended ``no_effect`` or
  ``worse``. ``dry_run_only`` previews automatically but never runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from master.auth.roles import Role

ANY = "*"
HOUR_MS = 3_600_000
AUTO_ACTOR = "lookout-auto"  # the approver (and requester) of automatic remediations


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cluster: str = Field(ANY, min_length=1, max_length=63)
    namespace: str = Field(ANY, min_length=1, max_length=63)
    approve_roles: tuple[Literal["operator", "admin"], ...] = ("operator", "admin")
    approvers: int = Field(1, ge=1, le=2, description="Distinct approvals needed (1 or 2).")
    two_person: bool = Field(True, description="The requester may not approve their own request.")
    expiry_s: int = Field(3600, ge=60, le=7 * 86400, description="A pending approval lapses after.")
    watch_s: int = Field(300, ge=10, le=86400, description="Verification watches this long.")
    auto_approve: bool = Field(False, description="Dangerous: Lookout approves by itself.")
    auto_reasons: tuple[str, ...] = Field((), description="Reasons auto-approved (empty: all).")
    dry_run_only: bool = Field(False, description="Automation previews, never runs.")
    rate_per_hour: int = Field(3, ge=1, le=100, description="Automatic runs per cluster and hour.")
    breaker_failures: int = Field(2, ge=1, le=100)
    breaker_window_s: int = Field(3600, ge=60, le=7 * 86400)

    @field_validator("approve_roles")
    @classmethod
    def _some_role(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("approve_roles must name at least one role (operator, admin)")
        return v

    @model_validator(mode="after")
    def _namespace_needs_cluster(self) -> Rule:
        if self.namespace != ANY and self.cluster == ANY:
            raise ValueError("a rule for one namespace must name its cluster")
        return self

    @property
    def specificity(self) -> int:
        return (self.namespace != ANY) * 2 + (self.cluster != ANY)

    def matches(self, cluster: str, namespace: str) -> bool:
        return self.cluster in (ANY, cluster) and self.namespace in (ANY, namespace)


DEFAULT_RULE = Rule()


class PolicyConfig(BaseModel):
    """The whole policy: one document, replaced whole (``PUT …/remediation-policy``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...] = Field((), max_length=500)

    @model_validator(mode="after")
    def _one_rule_per_scope(self) -> PolicyConfig:
        seen: set[tuple[str, str]] = set()
        for r in self.rules:
            if (r.cluster, r.namespace) in seen:
                raise ValueError(f"two rules for cluster {r.cluster!r} namespace {r.namespace!r}")
            seen.add((r.cluster, r.namespace))
        return self

    def rule_for(self, cluster: str, namespace: str) -> Rule:
        matching = [r for r in self.rules if r.matches(cluster, namespace)]
        return max(matching, key=lambda r: r.specificity, default=DEFAULT_RULE)


@dataclass(frozen=True, slots=True)
class Approval:
    by: str
    at_ms: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """``ok``: the approval counts; ``complete``: with it the command may run; ``why``: the
    reason in plain words when it does not count (the API's 403 message)."""

    ok: bool
    complete: bool = False
    why: str = ""


def judge_approval(
    rule: Rule,
    *,
    requested_by: str,
    approvals: Sequence[Approval],
    approver: str,
    role: Role | None,
    expires_ms: int,
    now_ms: int,
) -> Verdict:
    """Whether ``approver`` (holding ``role`` where the remediation acts) may approve now."""
    if now_ms >= expires_ms:
        return Verdict(False, why="the approval request expired; preview it again to renew it")
    if role is None or role.label not in rule.approve_roles:
        roles = " or ".join(rule.approve_roles)
        return Verdict(False, why=f"only a {roles} of this namespace may approve here")
    if rule.two_person and approver == requested_by:
        return Verdict(
            False,
            why=f"two-person rule: {approver} requested this remediation and cannot approve it; "
            "another approver must",
        )
    if any(a.by == approver for a in approvals):
        return Verdict(False, why=f"{approver} already approved; another approver must")
    return Verdict(True, complete=len(approvals) + 1 >= rule.approvers)


@dataclass(frozen=True, slots=True)
class AutoRun:
    """One earlier automatic remediation of the cluster: when it ran, how it ended ("" while
    not yet verified)."""

    at_ms: int
    outcome: str = ""


FAILED_OUTCOMES = frozenset({"no_effect", "worse"})


def judge_auto(rule: Rule, *, reason: str, history: Sequence[AutoRun], now_ms: int) -> Verdict:
    """May Lookout approve this remediation itself? ``complete`` is never set for
    ``dry_run_only``: the preview runs, the command waits for a person."""
    if not rule.auto_approve:
        return Verdict(False, why="auto-approve is off")
    if rule.auto_reasons and reason not in rule.auto_reasons:
        return Verdict(False, why=f"auto-approve does not cover {reason}")
    if rule.dry_run_only:
        return Verdict(False, why="auto-approve is dry-run only: a person must approve the run")
    window = now_ms - rule.breaker_window_s * 1000
    failed = [r for r in history if r.at_ms >= window and r.outcome in FAILED_OUTCOMES]
    if len(failed) >= rule.breaker_failures:
        return Verdict(
            False,
            why=f"circuit breaker open: {len(failed)} automatic remediations in the last "
            f"{rule.breaker_window_s // 60} min had no effect or made things worse "
            f"(limit {rule.breaker_failures}); a person must approve",
        )
    ran = [r for r in history if r.at_ms >= now_ms - HOUR_MS]
    if len(ran) >= rule.rate_per_hour:
        return Verdict(
            False,
            why=f"rate limit: {len(ran)} automatic remediations in this cluster in the last "
            f"hour (limit {rule.rate_per_hour}); a person must approve",
        )
    return Verdict(True, complete=True)
