"""Errors of the metrics intake.

LookoutError (shared.errors)
└── AgentError (agent.errors)
    └── IntakeError
        ├── IntakeBindError  -- the listen address cannot be bound (start-up)
        └── IntakeBusy       -- raised by an on_samples callback that cannot take samples now
"""

from __future__ import annotations

from agent.errors import AgentError


class IntakeError(AgentError):
    """Base of the intake's errors."""


class IntakeBindError(IntakeError):
    """The listen address cannot be bound."""


class IntakeBusy(IntakeError):
    """The receiver of the samples is full; the daemon keeps them and retries."""
