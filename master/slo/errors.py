"""Errors of the SLO maths.

MasterError (master.errors)
└── SloError
    ├── DefinitionError   -- an SLO definition is invalid; ``field`` names the offending path
    └── PeriodError       -- a report period is not ``YYYY-MM`` or ``YYYY-Qn``
"""

from __future__ import annotations

from master.errors import MasterError


class SloError(MasterError):
    """Base of the SLO errors."""


class DefinitionError(SloError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class PeriodError(SloError):
    """A period string that names no calendar month or quarter."""
