"""The wire conversion's one error: a protobuf message that parses but cannot become a domain
value.

    LookoutError (shared.errors)
    └── WireError  -- a message that decodes but makes no sense (missing identity, unknown enum)

Callers at the edges catch it by name (the master's ingress, the agent's intake and spool file);
malformed bytes that protobuf itself rejects are wrapped into it by ``shared.wire.journal``.
"""

from __future__ import annotations

from shared.errors import LookoutError


class WireError(LookoutError):
    """A well-formed protobuf message whose content is invalid."""
