"""The ``SOURCES`` table: every watched kind, one row each. Adding a kind = one module + one row.

Keys are source names (what ``kinds_disabled``/``kinds_enabled`` refer to); the row's ``kind``
is what the mirror and detectors see. Also owns choosing the enabled rows from the settings.
"""

from __future__ import annotations

from agent.sources import (
    configmaps,
    cronjobs,
    daemonsets,
    deployments,
    endpointslices,
    events,
    gateways,
    hpas,
    httproutes,
    ingresses,
    jobs,
    namespaces,
    nodes,
    pdbs,
    pods,
    pvcs,
    pvs,
    replicasets,
    resourcequotas,
    secrets,
    services,
    statefulsets,
    storageclasses,
)
from agent.sources.settings import SourcesSettings
from agent.sources.spec import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    "Namespace": namespaces.SPEC,
    "Node": nodes.SPEC,
    "Pod": pods.SPEC,
    "Deployment": deployments.SPEC,
    "ReplicaSet": replicasets.SPEC,
    "StatefulSet": statefulsets.SPEC,
    "DaemonSet": daemonsets.SPEC,
    "Job": jobs.SPEC,
    "CronJob": cronjobs.SPEC,
    "Service": services.SPEC,
    "EndpointSlice": endpointslices.SPEC,
    "Ingress": ingresses.SPEC,
    "Event": events.SPEC,
    "events.k8s.io/Event": events.SPEC_EVENTS_V1,
    "PersistentVolumeClaim": pvcs.SPEC,
    "PersistentVolume": pvs.SPEC,
    "StorageClass": storageclasses.SPEC,
    "HorizontalPodAutoscaler": hpas.SPEC,
    "PodDisruptionBudget": pdbs.SPEC,
    "ConfigMap": configmaps.SPEC,
    "Secret": secrets.SPEC,
    "ResourceQuota": resourcequotas.SPEC,
    "Gateway": gateways.SPEC,
    "HTTPRoute": httproutes.SPEC,
}


def enabled_sources(settings: SourcesSettings) -> dict[str, SourceSpec]:
    """The rows to watch. Raises ValueError on unknown names or two sources of one kind."""
    unknown = (set(settings.kinds_disabled) | set(settings.kinds_enabled)) - SOURCES.keys()
    if unknown:
        raise ValueError(f"unknown source names {sorted(unknown)}; known: {sorted(SOURCES)}")
    chosen: dict[str, SourceSpec] = {}
    for name, spec in SOURCES.items():
        on = spec.enabled_by_default or name in settings.kinds_enabled
        if name == "Secret":
            on = settings.secrets_enabled or name in settings.kinds_enabled
        if name in settings.kinds_disabled:
            on = False
        if on:
            chosen[name] = spec
    # Enabling events.k8s.io/Event replaces the core/v1 source (same objects, two APIs).
    if "events.k8s.io/Event" in chosen and "events.k8s.io/Event" in settings.kinds_enabled:
        chosen.pop("Event", None)
    kinds = [s.kind for s in chosen.values()]
    dupes = {k for k in kinds if kinds.count(k) > 1}
    if dupes:
        raise ValueError(f"more than one source enabled for kinds {sorted(dupes)}")
    return chosen
