"""The remediation service: the shell around the pure core.

    findings (the processor's observer, after its store commit) ─▶ bounded queue ─▶ suggest
      ─▶ stored ``suggested`` (one open remediation per finding)
    preview (an operator, or automation) ─▶ dry-run command through the bus, its result and
      the impact check stored ─▶ ``pending_approval`` (requested by whoever previewed)
    approve ─▶ the policy judges ─▶ enough approvals: ``approved`` ─▶ ``running`` (once: a
      compare-and-set) ─▶ the command through the bus, idempotency key = the remediation id
    tick ─▶ expiries; running → succeeded | failed (the command's outcome); succeeded →
      verification after the watch ─▶ resolved | no_effect | worse (worse: the inverse suggested)

Every change is one store write with its audit entry (``remediation.*`` actions). The service
holds no state of its own beyond its queue: the store is the truth, so a restart picks up the
expiries, runs and watches where they were.

Deliberately not here: judgement (``suggestions``, ``policy``, ``verification``), reading the
mirror (``mirror``), HTTP (``master.gateway.routes.remediations``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from master.auth.roles import Role
from master.commands.bus import CommandBus
from master.commands.requests import CommandIn, InvalidCommand, validate
from master.datahub.hub import DataHub
from master.errors import Conflict, Forbidden, NotFound
from master.remediation import mirror, policy
from master.remediation.policy import AUTO_ACTOR, Approval, AutoRun, PolicyConfig, Rule
from master.remediation.settings import RemediationSettings
from master.remediation.states import OPEN, PREVIEWABLE, REJECTABLE, State
from master.remediation.suggestions import Action, Suggestion, Tuning, suggest
from master.remediation.verification import Outcome, judge
from master.store import AuditEntry, Store, StoreUnavailable
from master.store.repositories.remediations import RemediationRow
from shared.clock import now_ms
from shared.domain.commands import CommandState
from shared.domain.findings import Finding
from shared.domain.journal import FindingBatch, JournalRecord

log = logging.getLogger(__name__)

_OPEN = frozenset(s.value for s in OPEN)
AUTO_TASKS_MAX = 16  # automatic previews in flight; past it a finding waits for a person
UNDO_PREFIX = "undo:"  # the reason of an inverse offered after a "worse" verdict
CLEARED_GRACE_MS = 60_000  # an open suggestion outlives its finding's clearing this long
# A crash-looping pod reports a change with every crash: the same suggestion is offered to the
# store (whose check refuses the repeat) at most once per this long, so a busy finding costs
# no writer transaction per record. Bounded: past SEEN_MAX keys the memory starts again.
RECONSIDER_MS = 30_000
SEEN_MAX = 10_000


class RemediationService:
    def __init__(
        self,
        *,
        store: Store,
        hub: DataHub,
        bus: CommandBus,
        settings: RemediationSettings | None = None,
        clock_ms: Callable[[], int] = now_ms,
    ) -> None:
        self.settings = settings or RemediationSettings()
        self.store = store
        self._hub = hub
        self._bus = bus
        self.clock_ms = clock_ms
        self.tuning = Tuning(recent_rollout_s=self.settings.recent_rollout_s)
        self.queue: asyncio.Queue[tuple[str, Finding]] = asyncio.Queue(self.settings.queue_max)
        self._auto: set[asyncio.Task[None]] = set()
        self._seen: dict[str, int] = {}  # suggestion id -> when it was last offered
        self._store_down = False  # the last tick found the store unavailable (logged once)

    # -- the findings port -------------------------------------------------------------------

    async def observe_journal(self, cluster: str, records: Sequence[JournalRecord]) -> None:
        """The processor's observer (after its store commit): open findings with a row in the
        suggestion table are queued; a full queue makes the agent's ack wait, not a loss."""
        for rec in records:
            if isinstance(rec.body, FindingBatch):
                await self.observe_findings(cluster, rec.body.findings)

    async def observe_findings(self, cluster: str, findings: Sequence[Finding]) -> None:
        """Findings raised by the master itself (the anomaly service's predicted OOM)."""
        for f in findings:
            if not f.resolved:
                await self.queue.put((cluster, f))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with asyncio.timeout(self.settings.tick_s):
                    cluster, f = await self.queue.get()
                    await self.consider(cluster, f)
                    continue
            except TimeoutError:
                pass
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as e:
                log.warning("remediation: a finding not considered, the store is down: %s", e)
            except Exception:
                log.exception("remediation: considering a finding failed")
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as e:  # an outage: said once, the next tick retries
                if not self._store_down:
                    log.warning("remediation: the store is unavailable (%s); retrying", e)
                self._store_down = True
                continue
            except Exception:
                log.exception("remediation tick failed")  # the next tick retries
            if self._store_down:
                log.info("remediation: the store is back")
                self._store_down = False
        for task in list(self._auto):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def policy(self) -> PolicyConfig:
        row = await self.store.remediations.policy()
        return PolicyConfig() if row is None else PolicyConfig.model_validate_json(row.body_json)

    async def set_policy(self, config: PolicyConfig, *, actor: str) -> PolicyConfig:
        body = config.model_dump_json()
        audit = AuditEntry(
            at_ms=self.clock_ms(),
            actor=actor,
            action="remediation.policy",
            detail=orjson.loads(body),
        )
        await self.store.remediations.put_policy(
            body, by=actor, now_ms=self.clock_ms(), audit=audit
        )
        return config

    # -- suggestions --------------------------------------------------------------------------

    async def consider(self, cluster: str, f: Finding) -> RemediationRow | None:
        """Suggest a fix for ``f`` if the table has one and none is open for it."""
        state = self._hub.cluster(cluster)
        if state is None or not self.settings.enabled:
            return None
        now = self.clock_ms()
        s = suggest(mirror.evidence(state, f), now, self.tuning)
        if s is None or now - self._seen.get(s.id, -RECONSIDER_MS) < RECONSIDER_MS:
            return None
        if len(self._seen) >= SEEN_MAX:
            self._seen.clear()
        self._seen[s.id] = now
        row = await self._insert(cluster, f.fingerprint, s, note="suggested for " + f.reason)
        if row is not None:
            await self._maybe_auto(row)
        return row

    async def _insert(
        self, cluster: str, fingerprint: str, s: Suggestion, *, note: str
    ) -> RemediationRow | None:
        now = self.clock_ms()
        t = s.action.target
        row = RemediationRow(
            id=uuid.uuid4().hex,
            cluster=cluster,
            namespace=t.namespace,
            target_kind=t.kind,
            target_name=t.name,
            fingerprint=fingerprint,
            reason=s.reason,
            state=State.SUGGESTED.value,
            auto=False,
            suggestion_json=orjson.dumps(s.as_json()).decode(),
            created_ms=now,
            updated_ms=now,
            history_json=orjson.dumps([_note(State.SUGGESTED, now, "lookout", note)]).decode(),
        )
        return await self.store.remediations.insert(
            row, open_states=_OPEN, audit=self._audit(row, "lookout", "suggest", s.why)
        )

    # -- preview, approve, reject --------------------------------------------------------------

    async def get(self, rid: str) -> RemediationRow:
        row = await self.store.remediations.get(rid)
        if row is None:
            raise NotFound(f"unknown remediation {rid!r}")
        return row

    async def preview(self, rid: str, *, actor: str) -> RemediationRow:
        """Run the suggestion as a dry run; with its result it waits for approval, requested
        by ``actor`` (a repeated preview renews the request and drops earlier approvals)."""
        row = await self.get(rid)
        if row.state not in PREVIEWABLE:
            raise Conflict(f"remediation {rid} is {row.state}: it can no longer be previewed")
        action = _suggestion(row).action
        key = f"{rid}-preview-{len(row.history)}"
        snap = await self._submit(row, action, dry_run=True, key=key, actor=actor)
        done = await self._bus.wait(snap.row.id, self.settings.preview_timeout_s)
        state = self._hub.cluster(row.cluster)
        result = orjson.loads(done.row.result_json) if done.row.result_json else None
        preview = {
            "command_id": done.row.id,
            "state": done.row.state.value,
            "diff": result,
            "error": done.row.message if done.row.state is not CommandState.SUCCEEDED else None,
            "impact": mirror.impact(state, action) if state is not None else None,
        }
        now = self.clock_ms()
        rule = await self._rule(row)
        ok = done.row.state is CommandState.SUCCEEDED
        moved = await self._move(
            row,
            expect=PREVIEWABLE,
            to=State.PENDING_APPROVAL if ok else State.PREVIEWED,
            actor=actor,
            why="dry run succeeded; waiting for approval"
            if ok
            else f"dry run {done.row.state.value}: {done.row.message}",
            requested_by=actor,
            approvals_json="[]",
            preview_command_id=done.row.id,
            preview_json=orjson.dumps(preview).decode(),
            expires_ms=now + rule.expiry_s * 1000 if ok else 0,
        )
        return moved

    async def approve(self, rid: str, *, actor: str, role: Role | None) -> RemediationRow:
        """Count ``actor``'s approval (Forbidden with the policy's reason when it does not
        count); with enough approvals the command runs, exactly once."""
        row = await self.get(rid)
        if row.state in (State.APPROVED, State.RUNNING, State.SUCCEEDED) or State(row.state).final:
            raise Conflict(
                f"remediation {rid} is {row.state}: an approval runs exactly one command, "
                "and this one was already approved or has ended"
            )
        if row.state != State.PENDING_APPROVAL:
            raise Conflict(f"remediation {rid} is {row.state}: preview it before approving")
        rule = await self._rule(row)
        approvals = _approvals(row)
        now = self.clock_ms()
        verdict = policy.judge_approval(
            rule,
            requested_by=row.requested_by,
            approvals=approvals,
            approver=actor,
            role=role,
            expires_ms=row.expires_ms,
            now_ms=now,
        )
        if not verdict.ok:
            await self.store.audit.write(self._audit(row, actor, "approve", verdict.why, "refused"))
            if now >= row.expires_ms:
                await self._expire(row)
                raise Conflict(verdict.why)
            raise Forbidden(verdict.why)
        given = [*({"by": a.by, "at_ms": a.at_ms} for a in approvals), {"by": actor, "at_ms": now}]
        moved = await self._move(
            row,
            expect={State.PENDING_APPROVAL},
            to=State.APPROVED if verdict.complete else State.PENDING_APPROVAL,
            actor=actor,
            why="approved" if verdict.complete else f"approval {len(given)} of {rule.approvers}",
            approvals_json=orjson.dumps(given).decode(),
        )
        if verdict.complete:
            return await self._run(moved, actor=actor)
        return moved

    async def reject(self, rid: str, *, actor: str, why: str) -> RemediationRow:
        row = await self.get(rid)
        if row.state not in REJECTABLE:
            raise Conflict(f"remediation {rid} is {row.state}: it can no longer be rejected")
        return await self._move(
            row, expect=REJECTABLE, to=State.REJECTED, actor=actor, why=why or "rejected"
        )

    # -- automation ------------------------------------------------------------------------------

    async def _maybe_auto(self, row: RemediationRow) -> None:
        rule = await self._rule(row)
        if not rule.auto_approve:
            return
        if len(self._auto) >= AUTO_TASKS_MAX:
            log.warning("remediation %s waits for a person: automation is busy", row.id)
            return
        task = asyncio.create_task(self._auto_run(row, rule), name=f"remediation-auto-{row.id}")
        self._auto.add(task)
        task.add_done_callback(self._auto.discard)

    async def _auto_run(self, row: RemediationRow, rule: Rule) -> None:
        try:
            previewed = await self.preview(row.id, actor=AUTO_ACTOR)
            if previewed.state != State.PENDING_APPROVAL:
                return
            now = self.clock_ms()
            since = now - max(rule.breaker_window_s * 1000, policy.HOUR_MS)
            runs = await self.store.remediations.auto_runs(row.cluster, since_ms=since)
            history = [AutoRun(at, outcome) for at, outcome in runs]
            verdict = policy.judge_auto(rule, reason=row.reason, history=history, now_ms=now)
            if not verdict.ok:
                # Left for a person, saying why automation stopped (the audit says it too).
                await self._move(
                    previewed,
                    expect={State.PENDING_APPROVAL},
                    to=State.PENDING_APPROVAL,
                    actor=AUTO_ACTOR,
                    why=verdict.why,
                )
                return
            approved = await self._move(
                previewed,
                expect={State.PENDING_APPROVAL},
                to=State.APPROVED,
                actor=AUTO_ACTOR,
                why="approved automatically by the policy",
                auto=True,
                approvals_json=orjson.dumps([{"by": AUTO_ACTOR, "at_ms": now}]).decode(),
            )
            await self._run(approved, actor=AUTO_ACTOR)
        except (Conflict, NotFound, InvalidCommand) as e:
            log.info("automatic remediation %s stopped: %s", row.id, e)
        except Exception:
            log.exception("automatic remediation %s failed", row.id)

    # -- running and verifying ------------------------------------------------------------------

    async def _run(self, row: RemediationRow, *, actor: str) -> RemediationRow:
        """``approved → running`` once (the store's compare-and-set), then the command."""
        running = await self.store.remediations.move(
            row.id,
            expect={State.APPROVED},
            changes={
                "state": State.RUNNING.value,
                "ran_ms": self.clock_ms(),
                "updated_ms": self.clock_ms(),
            },
            note=_note(State.RUNNING, self.clock_ms(), actor, "running the approved command"),
            audit=None,
        )
        if running is None:
            return await self.get(row.id)  # another caller ran it: this approval runs nothing
        snap = await self._submit(
            running, _suggestion(running).action, dry_run=False, key=running.id, actor=actor
        )
        moved = await self.store.remediations.move(
            row.id,
            expect={State.RUNNING},
            changes={"run_command_id": snap.row.id},
            note=_note(State.RUNNING, self.clock_ms(), actor, f"command {snap.row.id} submitted"),
            audit=None,
        )
        return moved or await self.get(row.id)

    async def tick(self) -> None:
        states = (
            State.SUGGESTED, State.PREVIEWED, State.PENDING_APPROVAL, State.RUNNING,
            State.SUCCEEDED,
        )  # fmt: skip
        for row in await self.store.remediations.in_states([s.value for s in states]):
            open_ = row.state in (State.SUGGESTED, State.PREVIEWED, State.PENDING_APPROVAL)
            if open_ and await self._cleared(row):
                continue
            if row.state == State.PENDING_APPROVAL:
                if self.clock_ms() >= row.expires_ms:
                    await self._expire(row)
            elif row.state == State.RUNNING:
                await self._follow(row)
            else:
                await self._verify(row)

    async def _cleared(self, row: RemediationRow) -> bool:
        """Expire an open suggestion whose condition cleared before anyone ran it: no active
        finding of its reason on its target any more (a NotReady node that came back must not
        be drained on a stale approval). Only where the mirror is synced (an agent away knows
        nothing new), after ``CLEARED_GRACE_MS``, and never for an undo (no finding names it)."""
        if (
            row.reason.startswith(UNDO_PREFIX)
            or self.clock_ms() - row.created_ms < CLEARED_GRACE_MS
        ):
            return False
        state = self._hub.cluster(row.cluster)
        if state is None or not state.synced:
            return False
        target = _watched(row, _suggestion(row))
        if any(f.reason == row.reason for f in mirror.on_workload(state, target)):
            return False
        await self._move(
            row,
            expect={State(row.state)},
            to=State.EXPIRED,
            actor="lookout",
            why=f"the condition cleared before the fix ran: no {row.reason} on "
            f"{target.kind} {target.name} any more",
        )
        return True

    async def _expire(self, row: RemediationRow) -> None:
        await self._move(
            row,
            expect={State.PENDING_APPROVAL},
            to=State.EXPIRED,
            actor="lookout",
            why="the approval request expired before enough approvals",
        )

    async def _follow(self, row: RemediationRow) -> None:
        if not row.run_command_id:
            return
        snap = await self._bus.snapshot(row.run_command_id)
        cmd = snap.row
        if not cmd.state.terminal:
            return
        if cmd.state is CommandState.SUCCEEDED:
            await self._move(
                row,
                expect={State.RUNNING},
                to=State.SUCCEEDED,
                actor="lookout",
                why="the command succeeded; watching the finding",
                succeeded_ms=cmd.updated_ms,
            )
        else:
            await self._move(
                row,
                expect={State.RUNNING},
                to=State.FAILED,
                actor="lookout",
                why=f"the command {cmd.state.value}: {cmd.message}",
                outcome=cmd.state.value,
            )

    async def _verify(self, row: RemediationRow) -> None:
        state = self._hub.cluster(row.cluster)
        if state is None:
            return
        s = _suggestion(row)
        rule = await self._rule(row)
        verdict = judge(
            reason=row.reason,
            active=mirror.on_workload(state, _watched(row, s)),
            succeeded_ms=row.succeeded_ms,
            watch_ms=rule.watch_s * 1000,
            now_ms=self.clock_ms(),
        )
        if verdict.outcome is Outcome.PENDING:
            return
        done = await self._move(
            row,
            expect={State.SUCCEEDED},
            to=State(verdict.outcome.value),
            actor="lookout",
            why=verdict.why,
            outcome=verdict.outcome.value,
        )
        if verdict.outcome is Outcome.WORSE and s.inverse is not None:
            await self._offer_inverse(done, s, s.inverse, verdict.why)

    async def _offer_inverse(
        self, row: RemediationRow, s: Suggestion, inverse: Action, why: str
    ) -> None:
        undo = Suggestion(
            id=f"{s.id}-inverse",
            # Its own reason: the store keeps one open remediation per reason and target, and a
            # fresh suggestion for the original reason (the next OOM, say) may already hold it.
            reason=UNDO_PREFIX + s.reason,
            why=f"undo remediation {row.id} ({why}): {inverse.type} back to how it was",
            evidence={
                "remediation": row.id,
                "outcome": Outcome.WORSE.value,
                "undoes": s.action.as_json(),
            },
            action=inverse,
            inverse=s.action,
        )
        await self._insert(row.cluster, row.fingerprint, undo, note=f"inverse of {row.id}")

    # -- helpers ----------------------------------------------------------------------------------

    async def _rule(self, row: RemediationRow) -> Rule:
        return (await self.policy()).rule_for(row.cluster, row.namespace)

    async def _submit(
        self, row: RemediationRow, action: Action, *, dry_run: bool, key: str, actor: str
    ) -> Any:
        t = action.target
        body = CommandIn.model_validate(
            {
                "type": action.type,
                "target": {"kind": t.kind, "namespace": t.namespace, "name": t.name},
                "params": dict(action.params),
                "dry_run": dry_run,
                "idempotency_key": key,
                "timeout_s": self.settings.run_timeout_s,
            }
        )
        snap, _created = await self._bus.submit(row.cluster, validate(body), actor=actor)
        return snap

    async def _move(
        self,
        row: RemediationRow,
        *,
        expect: Any,
        to: State,
        actor: str,
        why: str,
        **changes: Any,
    ) -> RemediationRow:
        now = self.clock_ms()
        moved = await self.store.remediations.move(
            row.id,
            expect={State(s).value for s in expect},
            changes={"state": to.value, "updated_ms": now, "message": why, **changes},
            note=_note(to, now, actor, why),
            audit=self._audit(row, actor, to.value, why),
        )
        if moved is None:
            current = await self.get(row.id)
            raise Conflict(f"remediation {row.id} is {current.state} now; nothing changed")
        return moved

    def _audit(
        self, row: RemediationRow, actor: str, what: str, why: str, outcome: str = "ok"
    ) -> AuditEntry:
        return AuditEntry(
            at_ms=self.clock_ms(),
            actor=actor,
            action=f"remediation.{what}",
            cluster=row.cluster,
            target=f"{row.target_kind}/{row.namespace}/{row.target_name}"
            if row.namespace
            else f"{row.target_kind}/{row.target_name}",
            detail={"remediation_id": row.id, "reason": row.reason, "why": why},
            outcome=outcome,
        )


def _note(state: State, at_ms: int, by: str, why: str) -> dict[str, Any]:
    return {"state": state.value, "at_ms": at_ms, "by": by, "why": why}


def _suggestion(row: RemediationRow) -> Suggestion:
    return Suggestion.from_json(orjson.loads(row.suggestion_json))


def _approvals(row: RemediationRow) -> list[Approval]:
    raw: list[Mapping[str, Any]] = orjson.loads(row.approvals_json)
    return [Approval(a["by"], a["at_ms"]) for a in raw]


def _watched(row: RemediationRow, s: Suggestion) -> Any:
    """What verification watches: the command's target (the workload, or the node)."""
    return s.action.target
