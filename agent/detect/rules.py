"""The rule table: every reason a detector can report, with its default severity, category and
the setting that gates it. Data only; adding a rule = one row here + the code that spots it.

Categories group findings on the dashboard: ``crash`` (containers that die), ``image``,
``config`` (the pod spec cannot be run), ``scheduling``, ``resources`` (memory, eviction),
``availability`` (fewer ready replicas/endpoints than wanted), ``lifecycle``, ``node``,
``rollout``, ``job``, ``network``, ``storage``, ``scaling``, ``probe``, ``event``.

``gate`` names the ``DetectSettings`` field (a duration or count) that must be exceeded before
the rule fires; a test checks each one exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.findings import Severity

CRIT, WARN, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class Rule:
    severity: Severity
    category: str
    summary: str
    gate: str = ""


RULES: dict[str, Rule] = {
    # -- pods: containers ---------------------------------------------------------------------
    "CrashLoopBackOff": Rule(CRIT, "crash", "container keeps crashing; kubelet backs off"),
    "OOMKilled": Rule(
        WARN, "resources", "container killed for exceeding its memory limit", "oom_recent_s"
    ),
    "ImagePullBackOff": Rule(
        CRIT, "image", "image cannot be pulled (also waiting reason ErrImagePull, see ALIASES)"
    ),
    "InvalidImageName": Rule(CRIT, "image", "image reference is malformed"),
    "CreateContainerConfigError": Rule(CRIT, "config", "missing ConfigMap/Secret or bad config"),
    "CreateContainerError": Rule(CRIT, "config", "runtime could not create the container"),
    "RunContainerError": Rule(CRIT, "crash", "runtime could not start the container"),
    "InitContainerFailed": Rule(CRIT, "crash", "an init container fails, the pod cannot start"),
    "RestartStorm": Rule(
        WARN, "crash", "many restarts within a short window", "restart_storm_count"
    ),
    # -- pods: lifecycle ----------------------------------------------------------------------
    "Unschedulable": Rule(WARN, "scheduling", "no node fits the pod", "unschedulable_after_s"),
    "Evicted": Rule(WARN, "resources", "kubelet evicted the pod (node pressure)"),
    "PodNotReady": Rule(WARN, "availability", "running pod not ready", "pod_not_ready_after_s"),
    "StuckTerminating": Rule(
        WARN, "lifecycle", "pod deletion does not finish", "stuck_terminating_after_s"
    ),
    # -- nodes --------------------------------------------------------------------------------
    "NodeNotReady": Rule(CRIT, "node", "node Ready condition is False or Unknown"),
    "MemoryPressure": Rule(WARN, "node", "node is low on memory"),
    "DiskPressure": Rule(WARN, "node", "node is low on disk"),
    "PIDPressure": Rule(WARN, "node", "node is low on process ids"),
    "NetworkUnavailable": Rule(CRIT, "node", "node network is not configured"),
    "Cordoned": Rule(INFO, "node", "node is marked unschedulable"),
    # -- workloads ----------------------------------------------------------------------------
    "ProgressDeadlineExceeded": Rule(WARN, "rollout", "rollout stalled past its deadline"),
    "DeploymentUnavailable": Rule(
        CRIT, "availability", "too few available replicas", "unavailable_after_s"
    ),
    "ReplicaOverflow": Rule(
        WARN, "rollout", "more replicas than desired plus surge", "replica_overflow_after_s"
    ),
    "ReplicaFailure": Rule(WARN, "config", "controller cannot create pods (quota, admission)"),
    "StatefulSetUnavailable": Rule(
        CRIT, "availability", "too few ready replicas", "unavailable_after_s"
    ),
    "DaemonSetUnavailable": Rule(
        WARN, "availability", "daemon pods unavailable on nodes", "unavailable_after_s"
    ),
    "DaemonSetMisscheduled": Rule(WARN, "scheduling", "daemon pods on nodes that should not run"),
    "JobFailed": Rule(WARN, "job", "job failed (backoff limit or deadline)"),
    "CronJobFailed": Rule(WARN, "job", "the CronJob's most recent run failed"),
    # -- network, storage, autoscaling ---------------------------------------------------------
    "NoReadyEndpoints": Rule(
        CRIT, "network", "Service selects pods but none is ready", "no_ready_endpoints_after_s"
    ),
    "PVCPending": Rule(WARN, "storage", "claim not bound", "pvc_pending_after_s"),
    "PVCLost": Rule(CRIT, "storage", "claim lost its volume"),
    "PVFailed": Rule(WARN, "storage", "volume reclamation failed"),
    "HPAAtMax": Rule(
        WARN, "scaling", "autoscaler at maxReplicas and wants more", "hpa_at_max_after_s"
    ),
    "HPAUnableToScale": Rule(WARN, "scaling", "autoscaler cannot read metrics or scale"),
    # -- Warning events (reason = the event's reason) ----------------------------------------
    "FailedScheduling": Rule(WARN, "scheduling", "scheduler could not place a pod"),
    "BackOff": Rule(WARN, "crash", "kubelet backing off a restart or pull"),
    "FailedMount": Rule(WARN, "storage", "volume could not be mounted"),
    "FailedAttachVolume": Rule(WARN, "storage", "volume could not be attached"),
    "FailedCreatePodSandBox": Rule(WARN, "network", "pod sandbox (network) creation failed"),
    "Unhealthy": Rule(WARN, "probe", "probe failures in a burst", "unhealthy_burst_count"),
    "FailedKillPod": Rule(WARN, "lifecycle", "kubelet could not stop a pod"),
}

# Container waiting reasons that are phases of one condition, reported under the reason they
# map to so the finding keeps one fingerprint. kubelet alternates ErrImagePull (an attempt just
# failed) and ImagePullBackOff (waiting for the next attempt) every back-off cycle; reported
# apart, each swap resolved one finding and opened another every 10-20 s. The finding says
# ImagePullBackOff from the first failed pull (critical: pulls rarely heal on their own), its
# message names the current waiting reason and its ``waiting_reason`` attr holds it.
# InvalidImageName stays apart: kubelet never retries it. Keys never appear in RULES, and
# settings (severity_overrides, disabled_reasons) name the reason an alias maps to.
ALIASES: dict[str, str] = {"ErrImagePull": "ImagePullBackOff"}

# Reasons configured in ``event_reasons`` but absent above get this rule.
EVENT_DEFAULT = Rule(WARN, "event", "Warning event")
