"""The executor: takes commands off the link, decides whether to run them, runs them in
bounded concurrency and reports every outcome through the outbox (never lost on a reconnect).

Before anything runs, in this order: a duplicate (same command id or idempotency key) gets the
first verdict again and never runs twice; a cancel that arrived first wins; a passed deadline
is refused (``deadline_exceeded``: never executed late); unknown type, the target (kind,
namespace, Kubernetes names: ``shared.commands.targets``), the policy (``policy``) and params
are checked. The deadline is this agent's own: ``submit`` turns the master's budget (ms left
when it sent the command) into a deadline on this clock; only a master too old to send a
budget leaves its wall-clock ``deadline_ms`` to compare with ours. A running command is bounded
by its deadline and can be cancelled, and every write it sends passes the write guard
(``guard``, through ``context.CommandKube``).

A Kubernetes API error that escapes a command becomes its ``CommandFailure`` here, once.

With a command journal (``ledger``; the agent has one whenever its spool is on disk) a mutating
command is recorded durably before it acts and again when it ends, so duplicates are caught
across agent restarts too: at start the executor reports every command the last process had
started and not finished as ``failed`` / ``interrupted`` (never running it again), and answers a
re-delivery of a finished one with the recorded outcome. Without a journal (memory mode) the
duplicate check lasts as long as the process: a command the master still shows as ``sent``
runs again after a restart.

Deliberately does not own Kubernetes calls (``client``) or the commands themselves."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson
from pydantic import ValidationError

from agent.executor.client import Kube
from agent.executor.context import CommandKube, Ctx
from agent.executor.errors import CommandFailure, api_failure
from agent.executor.ledger import Entry, Ledger, Outcome, expiry
from agent.executor.policy import refusal
from agent.executor.registry import COMMANDS, Spec
from agent.executor.settings import ExecutorSettings, PolicySettings
from agent.kubeapi.errors import KubeError
from agent.kubeapi.paths import object_path
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.commands.targets import target_problem
from shared.domain.commands import Command, CommandCancel, CommandState, CommandUpdate
from shared.kinds import kind

log = logging.getLogger(__name__)

INTERRUPTED = "the agent restarted while this command ran; it was not run again"


@dataclass(slots=True)
class _Job:
    command: Command
    task: asyncio.Task[None] | None = None
    cancel_reason: str = ""
    journaled: Entry | None = None


class Executor:
    def __init__(
        self,
        *,
        kube: Kube | None,
        outbox: Outbox,
        policy: PolicySettings,
        settings: ExecutorSettings | None = None,
        commands: Mapping[str, Spec] = COMMANDS,
        journal: Ledger | None = None,
    ) -> None:
        self._commands = commands
        self._journal = journal
        self._kube = kube
        self._outbox = outbox
        self._policy = policy
        self._settings = settings or ExecutorSettings()
        self._inbox: asyncio.Queue[Command | CommandCancel] = asyncio.Queue(
            maxsize=self._settings.queue_size
        )
        self._slots = asyncio.Semaphore(self._settings.max_concurrent)
        self._jobs: dict[str, _Job] = {}  # by command id, while not finished
        self._keys: dict[str, str] = {}  # idempotency key -> id of the job holding it
        self._done: OrderedDict[str, CommandUpdate] = OrderedDict()  # id / "key:"+key
        self._cancelled_early: OrderedDict[str, str] = OrderedDict()
        self.executed_total = 0

    def attach_kube(self, kube: Kube) -> None:
        """Give the executor its API access once the process has opened it."""
        self._kube = kube

    # -- called by the uplink's receive loop: enqueue only -----------------------------------

    def submit(self, item: Command | CommandCancel) -> None:
        if isinstance(item, Command) and item.budget_ms > 0:
            # The master's budget wins over its wall-clock deadline: counted from receipt on
            # this agent's clock, so clock skew neither refuses a fresh command nor runs a
            # late one (network and queue time only make it stricter).
            item = replace(item, deadline_ms=now_ms() + item.budget_ms)
        try:
            self._inbox.put_nowait(item)
        except asyncio.QueueFull:
            # The master keeps the command pending and re-sends after the next reconnect.
            log.warning("executor queue full; dropping %s (the master re-sends)", item.id)

    # -- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        if self._journal is not None:
            await self._restore(self._journal)
        async with asyncio.TaskGroup() as tg:
            while not stop.is_set():
                try:
                    async with asyncio.timeout(0.5):
                        item = await self._inbox.get()
                except TimeoutError:
                    continue
                if isinstance(item, CommandCancel):
                    self._cancel(item)
                    continue
                job = self._admit(item)
                if job is not None:
                    job.task = tg.create_task(self._execute(job), name=f"command-{item.id}")
            for job in list(self._jobs.values()):
                if job.task is not None:
                    job.task.cancel()
        if self._journal is not None:
            self._journal.close()

    async def _restore(self, journal: Ledger) -> None:
        """Take over what the last process journaled: report what it left unfinished as
        interrupted, remember every outcome for re-deliveries."""
        now = now_ms()
        try:
            entries = await asyncio.to_thread(journal.load, now)
        except OSError as e:
            log.error(
                "command journal %s unreadable (%s): commands the last process started may run "
                "again if the master re-sends them",
                journal.path,
                e,
            )
            return
        for entry in entries:
            outcome = entry.outcome
            if outcome is None:
                outcome = Outcome(CommandState.FAILED, INTERRUPTED, "interrupted")
                log.warning("command %s was interrupted by an agent restart", entry.id)
                update = self._put(entry.id, outcome)
                await asyncio.to_thread(journal.finished, replace(entry, outcome=outcome))
            else:
                update = CommandUpdate(
                    entry.id,
                    outcome.state,
                    now,
                    outcome.message,
                    outcome.result_json,
                    outcome.code,
                )
            self._remember(self._done, entry.id, update)
            if entry.key:
                self._remember(self._done, "key:" + entry.key, update)

    def _admit(self, cmd: Command) -> _Job | None:
        """The pre-flight checks; None when the command must not (or need not) run."""
        if cmd.id in self._jobs or (cmd.idempotency_key and cmd.idempotency_key in self._keys):
            return None  # already running: its verdict will come
        first = self._done.get(cmd.id) or (
            self._done.get("key:" + cmd.idempotency_key) if cmd.idempotency_key else None
        )
        if first is not None:
            self._report(
                cmd,
                first.state,
                first.message,
                result_json=first.result_json,
                code=first.error_code,
            )
            return None
        if (reason := self._cancelled_early.pop(cmd.id, None)) is not None:
            self._finish(cmd, CommandState.CANCELLED, f"cancelled before it started: {reason}")
            return None
        now = now_ms()
        if cmd.deadline_ms and now >= cmd.deadline_ms:
            late = now - cmd.deadline_ms
            self._finish(
                cmd,
                CommandState.TIMED_OUT,
                f"refused: deadline passed {late} ms before the command arrived",
                code="deadline_exceeded",
            )
            return None
        spec = self._commands.get(cmd.type)
        if spec is None:
            self._finish(cmd, CommandState.FAILED, f"unknown command {cmd.type!r}", code="unknown")
            return None
        # The master checked the target too; a cluster does not rely on it.
        if (problem := target_problem(cmd.type, cmd.target, kinds=spec.kinds)) is not None:
            self._finish(cmd, CommandState.FAILED, problem, code="invalid_target")
            return None
        if (why := refusal(self._policy, cmd, mutating=spec.mutating)) is not None:
            self._finish(cmd, CommandState.FAILED, why, code="forbidden_by_policy")
            return None
        job = _Job(cmd)
        self._jobs[cmd.id] = job
        if cmd.idempotency_key:
            self._keys[cmd.idempotency_key] = cmd.id
        return job

    def _cancel(self, cancel: CommandCancel) -> None:
        job = self._jobs.get(cancel.id)
        if job is None:
            if cancel.id not in self._done:
                self._remember(self._cancelled_early, cancel.id, cancel.reason or "cancelled")
            return
        job.cancel_reason = cancel.reason or "cancelled"
        if job.task is not None:
            job.task.cancel()

    async def _execute(self, job: _Job) -> None:
        cmd = job.command
        try:
            update = await self._outcome(job)
        finally:
            self._jobs.pop(cmd.id, None)
            if cmd.idempotency_key and self._keys.get(cmd.idempotency_key) == cmd.id:
                del self._keys[cmd.idempotency_key]
        entry = job.journaled  # journaled as started: its outcome must be journaled too
        if entry is not None and self._journal is not None:
            outcome = Outcome(update.state, update.message, update.error_code, update.result_json)
            await asyncio.to_thread(self._journal.finished, replace(entry, outcome=outcome))

    async def _outcome(self, job: _Job) -> CommandUpdate:
        """Run the command; its terminal update (already reported)."""
        cmd = job.command
        spec = self._commands[cmd.type]
        try:
            try:
                params = spec.params.model_validate_json(cmd.params_json or b"{}")
            except ValidationError as e:
                raise CommandFailure("invalid_params", _problems(e)) from None
            if self._kube is None:
                raise CommandFailure("unavailable", "this agent has no Kubernetes access")
            budget_s = (cmd.deadline_ms - now_ms()) / 1000 if cmd.deadline_ms else None
            async with asyncio.timeout(budget_s), self._slots:
                if spec.mutating:
                    await self._journal_start(job)
                self._report(cmd, CommandState.RUNNING, "started")
                t = cmd.target
                ctx = Ctx(
                    kube=CommandKube(
                        self._kube,
                        command=cmd.type,
                        target_path=object_path(kind(t.kind), t.name, namespace=t.namespace),
                    ),
                    target=t,
                    params=params,
                    policy=self._policy,
                    dry_run=cmd.dry_run and spec.mutating,
                    deadline_ms=cmd.deadline_ms,
                    progress=lambda msg, part: self._progress(cmd, msg, part),
                )
                self.executed_total += 1
                result = await spec.run(ctx)
            return self._finish(cmd, CommandState.SUCCEEDED, "done", result=result)
        except CommandFailure as e:
            return self._finish(cmd, CommandState.FAILED, e.message, result=e.result, code=e.code)
        except KubeError as e:  # an API error the command let through
            failure = api_failure(e)
            return self._finish(cmd, CommandState.FAILED, failure.message, code=failure.code)
        except TimeoutError:
            return self._finish(
                cmd,
                CommandState.TIMED_OUT,
                "deadline passed while running",
                code="deadline_exceeded",
            )
        except asyncio.CancelledError:
            if not job.cancel_reason:
                raise  # shutdown: a journal makes the next process report it; never swallow
            return self._finish(cmd, CommandState.CANCELLED, f"cancelled: {job.cancel_reason}")
        except Exception as e:
            log.exception("command %s (%s) crashed", cmd.id, cmd.type)
            return self._finish(
                cmd,
                CommandState.FAILED,
                f"internal error: {type(e).__name__}: {e}",
                code="internal",
            )

    async def _journal_start(self, job: _Job) -> None:
        """Durably note that the command is about to act; refuse it if the note cannot be
        written (running it unrecorded could repeat it after a restart)."""
        if self._journal is None:
            return
        cmd = job.command
        entry = Entry(cmd.id, cmd.idempotency_key, expiry(cmd.deadline_ms, now_ms()))
        try:
            await asyncio.to_thread(self._journal.started, entry)
        except OSError as e:
            raise CommandFailure(
                "journal_unavailable",
                f"not run: the agent cannot record it in its command journal first ({e})",
            ) from e
        job.journaled = entry

    # -- reporting --------------------------------------------------------------------------

    def _progress(self, cmd: Command, message: str, partial: dict[str, Any]) -> None:
        self._report(cmd, CommandState.RUNNING, message, result_json=orjson.dumps(partial))

    def _finish(
        self,
        cmd: Command,
        state: CommandState,
        message: str,
        *,
        result: dict[str, Any] | None = None,
        code: str = "",
    ) -> CommandUpdate:
        body = orjson.dumps(result) if result is not None else b""
        update = self._report(cmd, state, message, result_json=body, code=code)
        self._remember(self._done, cmd.id, update)
        if cmd.idempotency_key:
            self._remember(self._done, "key:" + cmd.idempotency_key, update)
        level = logging.INFO if state is CommandState.SUCCEEDED else logging.WARNING
        log.log(
            level, "command %s (%s %s) %s: %s", cmd.id, cmd.type, cmd.target, state.value, message
        )
        return update

    def _report(
        self,
        cmd: Command,
        state: CommandState,
        message: str,
        *,
        result_json: bytes = b"",
        code: str = "",
    ) -> CommandUpdate:
        return self._put(cmd.id, Outcome(state, message, code, result_json))

    def _put(self, command_id: str, outcome: Outcome) -> CommandUpdate:
        now = now_ms()
        update = CommandUpdate(
            command_id=command_id,
            state=outcome.state,
            at_ms=now,
            message=outcome.message,
            result_json=outcome.result_json,
            error_code=outcome.code,
        )
        self._outbox.put(update, now)
        return update

    def _remember(self, table: OrderedDict[str, Any], key: str, value: Any) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self._settings.remembered_results:
            table.popitem(last=False)


def _problems(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "params"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid params: " + "; ".join(parts)
