"""The root of every Lookout exception tree: one subtree per process, plus shared's own errors.

LookoutError
├── ConfigError          -- settings that are missing, unsafe or contradictory (start-up)
├── WireError            -- a protobuf message that cannot become a domain value (shared.wire)
├── AgentError           -- the agent's root (agent.errors; its packages hang their trees there)
├── MasterError          -- the master's root (master.errors)
├── MetricsDaemonError   -- the metrics daemon's root (metrics_daemon.errors)
└── KubesimError         -- the simulator's root (kubesim.errors)

This module owns the root and ``ConfigError`` only; each process's module draws its subtree.
Private control-flow exceptions that never leave a module are not part of the tree.
"""


class LookoutError(Exception):
    """Base class of all errors Lookout raises on purpose."""


class ConfigError(LookoutError):
    """Settings that are missing, unsafe or contradictory; raised at start-up."""
