"""The agent's exception root: every error the agent raises on purpose derives from
``AgentError``, so the composition root can tell "ours, with a message for the operator" from a
bug.

LookoutError (shared.errors)
└── AgentError
    ├── KubeError          -- talking to the Kubernetes API failed (agent.kubeapi)
    ├── CommandFailure     -- a command failed, with an error code (agent.executor.errors)
    ├── RegistryMismatch   -- implementations and catalogue disagree (agent.executor.registry)
    ├── DetectError        -- a detector was handed an object it cannot read (agent.detect)
    ├── LeaderError        -- leader election (agent.leader)
    ├── IntakeError        -- the node-metrics intake (agent.intake)
    └── InputError         -- a ``scan`` input file is unusable (agent.scan)

Each package keeps its own subtree in its ``errors`` module; this module only owns the root.
"""

from __future__ import annotations

from shared.errors import LookoutError


class AgentError(LookoutError):
    """Base class of the errors the agent raises on purpose."""
