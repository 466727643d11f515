"""The alerts package's exception tree (drawn in the package docstring)."""

from __future__ import annotations

from master.errors import MasterError


class AlertsError(MasterError):
    pass


class MatcherError(AlertsError, ValueError):
    """A matcher string or map that cannot become a matcher (bad syntax, bad regex)."""


class SilenceError(AlertsError, ValueError):
    pass


class UnknownAlert(AlertsError, KeyError):
    pass
