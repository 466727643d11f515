"""The Kubernetes kinds Lookout mirrors. Agent sources register one module per kind under these
names; the master refuses deltas of any other kind (a misbehaving or newer agent is told so
instead of silently filling memory with unknown data)."""

from __future__ import annotations

KINDS: frozenset[str] = frozenset(
    {
        "Pod",
        "Node",
        "Namespace",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Service",
        "Endpoints",
        "EndpointSlice",
        "Ingress",
        "Event",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "Secret",
        "ResourceQuota",
        "StorageClass",
    }
)
