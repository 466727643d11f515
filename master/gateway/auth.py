"""Bearer-token authentication for the API: one static token shared by every caller.

Every data route depends on ``require_token``; only /healthz and /readyz are open. A refused
token raises ``AuthError``, which ``master.gateway.errors`` answers with 401 and a
``WWW-Authenticate: Bearer`` challenge."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from master.errors import AuthError
from master.gateway.state import gateway_state

_bearer = HTTPBearer(auto_error=False)


async def require_token(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's identity (for audit): ``api-token`` for the configured bearer token."""
    expected = gateway_state(request).api_token
    if creds is None or creds.scheme.lower() != "bearer":
        raise AuthError("missing bearer token")
    if not hmac.compare_digest(creds.credentials.encode(), expected.encode()):
        raise AuthError("invalid bearer token")
    return "api-token"


Caller = Annotated[str, Depends(require_token)]
