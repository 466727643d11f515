from __future__ import annotations

import pytest

from agent.detect.registry import detect
from agent.detect.settings import DetectSettings
from shared.domain.findings import Severity
from shared.domain.refs import ObjectRef
from tests.unit.detect.fixtures import NOW_MS, judge, load, pick, reasons

WL = "workloads.json"
STS = "statefulset-with-pods.json"


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("Deployment", "api", ["DeploymentUnavailable"]),
        ("Deployment", "checkout", ["ProgressDeadlineExceeded"]),
        ("Deployment", "cart", ["ReplicaOverflow"]),
        ("ReplicaSet", "search-7f6d5c4b3", ["ReplicaFailure"]),
        ("StatefulSet", "db", ["StatefulSetUnavailable"]),
        ("DaemonSet", "log-shipper", ["DaemonSetUnavailable"]),
        ("DaemonSet", "node-exporter", ["DaemonSetMisscheduled"]),
        ("Job", "nightly-report-28573740", ["JobFailed"]),
        ("Job", "reindex", ["JobFailed"]),
        ("CronJob", "nightly-report", ["CronJobFailed"]),
        ("CronJob", "hourly-sync", ["CronJobFailed"]),
    ],
)
def test_each_workload_rule_fires_on_its_fixture(kind: str, name: str, expected: list[str]) -> None:
    assert reasons(judge(WL, kind, name)) == expected


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("Deployment", "api-blip"),  # unavailable for 2 minutes only
        ("Deployment", "web"),  # normal rolling update: 3/4 available, surge pod up
        ("Deployment", "idle"),  # scaled to zero
        ("Deployment", "search"),
        ("ReplicaSet", "api-6b7f9c9d8"),
        ("StatefulSet", "db-rolling"),  # one pod down mid-rollout
        ("StatefulSet", "cache"),
        ("DaemonSet", "kube-proxy"),
        ("DaemonSet", "cni"),  # rolling update in progress
        ("Job", "nightly-report-28573680"),
        ("Job", "migrate-running"),
        ("CronJob", "backup"),
        ("CronJob", "weekly-cleanup"),  # never succeeded yet, but its run is active
    ],
)
def test_healthy_rolling_and_scaled_to_zero_workloads_have_no_findings(
    kind: str, name: str
) -> None:
    assert judge(WL, kind, name) == []


def test_deployment_unavailable_is_critical_and_dated_from_the_available_condition() -> None:
    [finding] = judge(WL, "Deployment", "api")
    assert finding.severity is Severity.CRITICAL
    assert finding.attrs == {"available": "0", "desired": "3"}
    assert finding.first_seen_ms == NOW_MS - 20 * 60_000


def test_unavailable_share_threshold_is_a_setting() -> None:
    dep = pick(load(WL), "Deployment", "web")  # 1 of 4 unavailable = 25 %
    dep["status"]["conditions"][1]["lastUpdateTime"] = "2024-05-01T11:00:00Z"
    assert detect("Deployment", dep, now=NOW_MS) == []
    strict = DetectSettings(unavailable_share=0.2)
    assert reasons(detect("Deployment", dep, now=NOW_MS, settings=strict)) == [
        "DeploymentUnavailable"
    ]


def test_statefulset_unavailability_waits_for_its_pods_not_ready_duration() -> None:
    [finding] = judge(STS, "StatefulSet", "db")  # pods not ready for 30 min
    assert finding.first_seen_ms == NOW_MS - 30 * 60_000
    assert judge(STS, "StatefulSet", "db-fresh") == []  # its pod is not ready for 2 min


def test_job_failure_names_the_reason_and_resolves_owner_to_cronjob() -> None:
    [finding] = judge(WL, "Job", "nightly-report-28573740")
    assert finding.attrs["job_reason"] == "BackoffLimitExceeded"
    assert finding.owner is not None
    assert (finding.owner.kind, finding.owner.name) == ("CronJob", "nightly-report")
    [deadline] = judge(WL, "Job", "reindex")
    assert deadline.attrs["job_reason"] == "DeadlineExceeded"
    assert deadline.owner is None


def test_cronjob_last_run_is_read_from_its_jobs_when_known() -> None:
    [finding] = judge(WL, "CronJob", "nightly-report")
    assert finding.attrs["job"] == "nightly-report-28573740"
    # Without the Jobs, the status alone (last success before last schedule) tells the same.
    [alone] = judge(WL, "CronJob", "nightly-report", with_context=False)
    assert alone.reason == "CronJobFailed"


def test_replicaset_failure_is_owned_by_its_deployment() -> None:
    [finding] = judge(WL, "ReplicaSet", "search-7f6d5c4b3")
    assert finding.owner is not None
    assert (finding.owner.kind, finding.owner.name) == ("Deployment", "search")
    assert "exceeded quota" in finding.message


def test_deployment_without_status_has_no_findings() -> None:
    dep = {
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "n"},
        "spec": {"replicas": 3},
    }
    assert detect("Deployment", dep, now=NOW_MS) == []
    assert ObjectRef("Deployment", "n", "d").key == ("Deployment", "n", "d")
