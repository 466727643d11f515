"""The kinds the simulator serves, and the JSON alias used everywhere.

Owns: which rows of the one kind table (``shared.kinds``: group/version/plural, scope, short
names, subresources) the simulator serves -- the source for its discovery documents and URL
routing -- with lookups by path and by resource, and the label keys its fault injection reads.
Does not own: the coordinates themselves (``shared.kinds``), the objects (``store``) or
behaviour (``controllers``).
"""

from __future__ import annotations

from typing import Any

from shared import kinds as shared_kinds
from shared.kinds import Kind

# Raw Kubernetes JSON. The simulator never converts to typed models: it stores and serves the
# same shapes the real API server emits, which is all the agent sees either way.
Obj = dict[str, Any]


# Rows of the kind table the simulator does not serve: it answers 404, as a server without
# that API would (nothing it simulates provisions volumes, so it has no StorageClasses; it is a
# cluster without the Gateway API CRDs, the common case the agent must skip cleanly).
NOT_SERVED = frozenset(
    {
        "storageclasses.storage.k8s.io",
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
    }
)

KINDS: tuple[Kind, ...] = tuple(k for k in shared_kinds.KINDS if k.resource not in NOT_SERVED)

BY_PATH: dict[tuple[str, str, str], Kind] = {(k.group, k.version, k.plural): k for k in KINDS}
BY_RESOURCE: dict[str, Kind] = {k.resource: k for k in KINDS}

PODS = BY_RESOURCE["pods"]
NODES = BY_RESOURCE["nodes"]
NAMESPACES = BY_RESOURCE["namespaces"]
DEPLOYMENTS = BY_RESOURCE["deployments.apps"]
REPLICASETS = BY_RESOURCE["replicasets.apps"]
STATEFULSETS = BY_RESOURCE["statefulsets.apps"]
DAEMONSETS = BY_RESOURCE["daemonsets.apps"]
PDBS = BY_RESOURCE["poddisruptionbudgets.policy"]
LEASES = BY_RESOURCE["leases.coordination.k8s.io"]
EVENTS = BY_RESOURCE["events"]

# Label keys shared with the kwok stages in tests/k8s/stages, so one test can drive the same
# failure on the real control plane and on the simulator.
FAULT_LABEL = "lookout.test/fault"  # values: crashloop | oomkilled | imagepull
HEARTBEAT_LABEL = "lookout.test/heartbeat"  # value "stopped" makes a node NotReady
