"""Master exception tree.

LookoutError (shared.errors)
└── MasterError
    ├── AuthError          -- an agent's credentials were refused (-> UNAUTHENTICATED)
    ├── ProtocolError      -- an agent broke the stream protocol (-> INVALID_ARGUMENT etc.)
    │   └── SequenceError  -- a journal record skipped sequence numbers
    └── NotFound           -- an API caller asked for something that does not exist (-> 404)
"""

from __future__ import annotations

from shared.errors import LookoutError


class MasterError(LookoutError):
    pass


class AuthError(MasterError):
    pass


class ProtocolError(MasterError):
    pass


class SequenceError(ProtocolError):
    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"journal record {got} arrived while {expected} was expected")
        self.expected = expected
        self.got = got


class NotFound(MasterError):
    pass
