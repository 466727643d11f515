"""What an HTTP handler needs to know about its cluster, and the parsed request target."""

from __future__ import annotations

from dataclasses import dataclass

from kubesim.store import Store
from shared.kinds import Kind


@dataclass(slots=True)
class Api:
    name: str
    store: Store
    # Real API servers send a bookmark roughly every minute and 2 s before a watch's deadline.
    bookmark_interval: float = 60.0
    # The simulator's only authorization rule: the agent identity must not read Secrets, so the
    # "agent is forbidden to read Secrets" contract holds on both backends.
    agent_token: str = "kubesim-agent"
    agent_user: str = "system:serviceaccount:lookout:lookout-agent"
    version: str = "v1.36.3-kubesim"


@dataclass(frozen=True, slots=True)
class Target:
    kind: Kind
    namespace: str | None  # None: cluster-scoped kind, or a list/watch across namespaces
    name: str | None
    sub: str | None
