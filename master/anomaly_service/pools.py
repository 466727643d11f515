"""Which nodes are peers: the node pool a node belongs to, from the labels the common
installers set. Nodes of different pools (GPU vs general, control plane vs workers) are not
expected to look alike, so a noisy neighbour is judged only against its own pool."""

from __future__ import annotations

from collections.abc import Mapping

# First label present wins: an explicit Lookout label, then the managed-cluster node groups.
POOL_LABELS = (
    "lookout.io/pool",
    "karpenter.sh/nodepool",
    "cloud.google.com/gke-nodepool",
    "eks.amazonaws.com/nodegroup",
    "kubernetes.azure.com/agentpool",
    "agentpool",
    "node.kubernetes.io/instance-type",
)
CONTROL_PLANE = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")


def pool_of(labels: Mapping[str, str]) -> str:
    for key in POOL_LABELS:
        if value := labels.get(key):
            return value
    if any(k in labels for k in CONTROL_PLANE):
        return "control-plane"
    return "default"
