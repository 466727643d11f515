"""Errors the detectors raise on purpose.

    LookoutError (shared.errors)
    └── AgentError (agent.errors)
        └── DetectError
            └── MalformedObject   -- an object whose fields have the wrong shape (e.g. status
                                     is a string); raised once by ``registry.detect`` with the
                                     cause chained

Missing fields are never an error: detectors read everything with ``.get`` and treat absence as
"unknown". Only fields of the wrong type end up here.
"""

from __future__ import annotations

from agent.errors import AgentError


class DetectError(AgentError):
    """Base of the detector package's errors."""


class MalformedObject(DetectError):
    """An object could not be judged because a field has the wrong type."""
