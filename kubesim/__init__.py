"""kubesim — a fast simulated Kubernetes cluster for demos, scale benchmarks and chaos tests.

It speaks the subset of the Kubernetes REST API that the Lookout agent uses (discovery, list
with pagination, watch with resourceVersion/bookmarks/410, get, create, update, patch, delete,
scale, eviction with PDBs, pod logs, ``dryRun=All``) over an in-memory model with small
controllers. The agent reaches it through the ``kubernetes`` client and a kubeconfig, exactly
as it reaches a real cluster; ``tests/contract`` keeps the two from drifting apart.

    __main__    CLI: many clusters in one process, one port and kubeconfig each
    cluster     one cluster: composition, seeding, kubeconfig
    http        routing, discovery, errors ─▶ handlers (verbs) · subresources (scale/evict/log)
                · podlogs (what a container's log holds, log query semantics)
    store       objects as JSON bytes, resourceVersions, bounded history, watch fan-out
    reconciler  dirty sets + timers ─▶ controllers (Deployments, ReplicaSets, GC, namespaces)
                · statefulsets · daemonsets · workloads (their shared helpers, Events)
                · budgets (PDB) · kubelet (scheduler via placement, pod states, nodes)
                · incidents (timeline, churn)
"""

from kubesim.cluster import SimCluster
from kubesim.config import SimConfig

__all__ = ["SimCluster", "SimConfig"]
