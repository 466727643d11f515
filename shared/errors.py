"""The root of every Lookout exception tree.

LookoutError
├── ConfigError        -- settings that are missing, unsafe or contradictory (start-up)
└── (per package trees: shared.wire.errors.WireError, master.errors, agent.errors, ...)
"""


class LookoutError(Exception):
    """Base class of all errors Lookout raises on purpose."""


class ConfigError(LookoutError):
    """Settings that are missing, unsafe or contradictory; raised at start-up."""
