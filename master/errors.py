"""Master exception tree: the root and the errors more than one package raises.

Each package defines its own errors under ``MasterError`` next to the code that raises them;
this docstring draws them all. Where an error reaches a caller, one place maps it: the ingress
session for gRPC status codes, ``master.gateway.errors`` for HTTP (status from the type, body
``{"error": <code>, "message": str(e)}``).

LookoutError (shared.errors)
└── MasterError
    ├── AuthError             -- credentials refused: an agent's token (gRPC UNAUTHENTICATED)
    │                            or an API caller's bearer token (HTTP 401)
    ├── ProtocolError         -- an agent broke the stream protocol (-> INVALID_ARGUMENT etc.)
    │   ├── SequenceError     -- a journal record skipped sequence numbers
    │   └── AgentLimitExceeded -- master.datahub.limits: one frame over a bound the master
    │                            sets per cluster (-> RESOURCE_EXHAUSTED)
    ├── NotFound              -- an API caller asked for something that does not exist (-> 404)
    ├── MalformedToken        -- master.clusters.tokens: not a Lookout agent token at all
    │                            (authentication turns it into AuthError)
    ├── InvalidCommand        -- master.commands.requests: the request cannot become a command
    │                            (-> 422)
    ├── CommandConflict       -- master.commands.bus: the command's state forbids the
    │   │                        operation, e.g. cancelling a finished one (-> 409)
    │   └── IdempotencyConflict -- an idempotency key reused for a different request (-> 409)
    ├── CredentialsError      -- master.bootstrap: the generated credentials cannot be made
    │                            or read (start-up)
    ├── InvalidPreference     -- master.gateway.prefer: a malformed ``Prefer: wait`` (-> 400)
    ├── InvalidQuery          -- master.gateway.errors: a query or path value the API cannot
    │                            use (-> 400)
    ├── Unavailable           -- master.gateway.errors: a part the route needs is not running
    │                            (-> 503)
    └── StoreError            -- master.store.errors: anything the history store refuses or
        │                        cannot do (unmapped ones answer 500)
        ├── StoreUnavailable, StoreClosed, StoreBusy   (-> 503 with Retry-After)
        ├── StoreCorrupt, SchemaTooNew
        └── ClusterExists, UnknownCluster, UserExists
"""

from __future__ import annotations

from shared.errors import LookoutError


class MasterError(LookoutError):
    pass


class AuthError(MasterError):
    pass


class Forbidden(MasterError):
    """An authenticated caller without the permission a route needs (HTTP 403)."""


class Throttled(MasterError):
    """Too many failed attempts from this caller or for this account (HTTP 429)."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Conflict(MasterError):
    """The change clashes with the current state: a name taken, the last admin (HTTP 409)."""


class Rejected(MasterError):
    """Well-formed input the master will not accept, such as a weak password (HTTP 422)."""


class ProtocolError(MasterError):
    pass


class SequenceError(ProtocolError):
    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"journal record {got} arrived while {expected} was expected")
        self.expected = expected
        self.got = got


class NotFound(MasterError):
    pass
