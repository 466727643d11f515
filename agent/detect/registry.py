"""The detector table: Kubernetes kind -> pure detector, and ``detect``, the one call that runs
the right detector for an object with its failures wrapped.

Adding a kind = one module with ``detect_<kind>(obj, scope) -> list[Finding]`` + one row here.
Kinds without a row (ConfigMap, Namespace, Endpoints, ...) produce no findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agent.detect import autoscaling, events, jobs, network, nodes, pods, storage, workloads
from agent.detect.context import EMPTY_CONTEXT, Context
from agent.detect.errors import MalformedObject
from agent.detect.making import Scope
from agent.detect.settings import DetectSettings
from agent.detect.times import Now, to_ms
from shared.domain.findings import Finding

Detector = Callable[[Mapping[str, Any], Scope], list[Finding]]

DETECTORS: dict[str, Detector] = {
    "Pod": pods.detect_pod,
    "Node": nodes.detect_node,
    "Deployment": workloads.detect_deployment,
    "ReplicaSet": workloads.detect_replicaset,
    "StatefulSet": workloads.detect_statefulset,
    "DaemonSet": workloads.detect_daemonset,
    "Job": jobs.detect_job,
    "CronJob": jobs.detect_cronjob,
    "Service": network.detect_service,
    "PersistentVolumeClaim": storage.detect_pvc,
    "PersistentVolume": storage.detect_pv,
    "HorizontalPodAutoscaler": autoscaling.detect_hpa,
    "Event": events.detect_event,
}

DEFAULT_SETTINGS = DetectSettings()


def detect(
    kind: str,
    obj: Mapping[str, Any],
    *,
    now: Now,
    settings: DetectSettings = DEFAULT_SETTINGS,
    ctx: Context = EMPTY_CONTEXT,
    deadlines: list[float] | None = None,
) -> list[Finding]:
    """Findings for one object at ``now``. ``kind`` is passed explicitly because items of a
    typed list (``PodList``) carry no ``kind`` of their own. When ``deadlines`` is given,
    the times (ms) at which a duration condition seen but not yet held would fire are
    appended to it (``Scope.deadlines``).

    Raises MalformedObject when a field has the wrong type; a missing field is never an error."""
    detector = DETECTORS.get(kind)
    if detector is None:
        return []
    scope = Scope(to_ms(now), settings, ctx, [] if deadlines is None else deadlines)
    try:
        return detector(obj, scope)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as e:
        raise MalformedObject(f"{kind} {_name(obj)}: unexpected field shape ({e})") from e


def _name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return "<no metadata>"
    ns, name = meta.get("namespace"), meta.get("name")
    return f"{ns}/{name}" if ns else str(name)
