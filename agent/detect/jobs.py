"""Batch rules: JobFailed (BackoffLimitExceeded, DeadlineExceeded, pod failure policy) and
CronJobFailed (the most recent run failed).

Owns judging one Job or CronJob. A CronJob's last run is read from its Jobs in the context;
when none is known (their history limit removed them, or `lookout scan` got only CronJobs) the
CronJob's own status decides: scheduled after its last success and nothing active means the
run ended without succeeding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from agent.detect.context import top_owner
from agent.detect.making import Scope, subject_of
from agent.detect.objects import Condition, CronJob, Job
from agent.detect.times import latest_ms, parse_ms
from shared.domain.findings import Finding


def _failed(job: Job) -> Condition | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Failed" and cond.get("status") == "True":
            return cond
    return None


def detect_job(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    job = cast(Job, obj)
    meta = job.get("metadata") or {}
    rep = scope.reporter(subject_of("Job", meta), owner=top_owner(meta, scope.ctx))
    cond = _failed(job)
    if cond is not None:
        reason = cond.get("reason") or "Failed"
        failed_pods = (job.get("status") or {}).get("failed", 0)
        rep.add(
            "JobFailed",
            f"job failed: {reason}" + (f": {cond['message']}" if cond.get("message") else ""),
            since_ms=parse_ms(cond.get("lastTransitionTime")),
            count=max(1, failed_pods),
            attrs={"job_reason": reason, "failed_pods": str(failed_pods)},
        )
    return rep.findings


def detect_cronjob(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    cron = cast(CronJob, obj)
    meta, status = cron.get("metadata") or {}, cron.get("status") or {}
    rep = scope.reporter(subject_of("CronJob", meta))
    ns, name = meta.get("namespace", ""), meta.get("name", "")
    jobs = [cast(Job, j) for j in scope.ctx.owned("Job", ns, "CronJob", name)]
    if jobs:
        newest = max(jobs, key=_started)
        cond = _failed(newest)
        if cond is not None:
            job_name = (newest.get("metadata") or {}).get("name", "")
            reason = cond.get("reason") or "Failed"
            rep.add(
                "CronJobFailed",
                f"last run {job_name} failed: {reason}",
                since_ms=parse_ms(cond.get("lastTransitionTime")),
                attrs={"job": job_name, "job_reason": reason},
            )
        return rep.findings
    scheduled = parse_ms(status.get("lastScheduleTime"))
    succeeded = parse_ms(status.get("lastSuccessfulTime"))
    if (
        scheduled is not None
        and not status.get("active")
        and (succeeded is None or succeeded < scheduled)
        and scope.held(scheduled, scope.settings.cronjob_grace_s)
    ):
        rep.add(
            "CronJobFailed",
            "last run did not succeed (no successful completion since its last schedule)",
            since_ms=scheduled,
            attrs={"last_schedule": status.get("lastScheduleTime", "")},
        )
    return rep.findings


def _started(job: Job) -> int:
    meta = job.get("metadata") or {}
    status = job.get("status") or {}
    return latest_ms(status.get("startTime"), meta.get("creationTimestamp")) or 0
