"""Noticing one agent token used by two running agents.

A cluster has one live session; a newer connection replaces the older (an agent restart or a
leader failover looks like that once). Two processes holding the same token look different:
the instance that was replaced comes back while its replacement is still live, and the two
keep displacing each other. That is a copied or stolen token, so it becomes a finding on the
cluster (:data:`REASON`), held by the master until the token is rotated (the first session
with another token id clears it); the swapping itself goes on, so the operator still sees
both agents' effects while deciding which one is real.

Pure: the ingress tells it each claim with the clock readings (``now`` monotonic seconds for
the window, ``now_ms`` wall clock for the finding); it keeps a little history per cluster."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

REASON = "AgentTokenSharedByTwoInstances"
# An instance displaced this long ago that comes back is still taken as a second agent: long
# enough to catch agents whose reconnect backoff has grown to its cap, short enough that a
# pod replaced in a rollout and long gone is forgotten.
WINDOW_S = 600.0


def fingerprint(cluster: str) -> str:
    return f"master/{REASON}/{cluster}"


@dataclass(slots=True)
class _Use:
    token_id: str
    displaced: dict[str, float] = field(default_factory=dict)  # instance id -> when (s)
    finding: Finding | None = None


class TokenSharing:
    """Per cluster: which instances the live session displaced lately, and the finding."""

    def __init__(self, *, window_s: float = WINDOW_S) -> None:
        self._window = window_s
        self._uses: dict[str, _Use] = {}

    def claimed(
        self,
        cluster: str,
        *,
        token_id: str,
        instance_id: str,
        replacing: str | None,
        now: float,
        now_ms: int,
    ) -> Finding | None:
        """A session of ``instance_id`` took the cluster over from the live session of
        ``replacing`` (None: none was live). Returns the shared-token finding the cluster
        should hold now (None: none)."""
        use = self._uses.get(cluster)
        if use is None or use.token_id != token_id:
            use = self._uses[cluster] = _Use(token_id)  # a new token: nothing shared yet
        for instance, at in list(use.displaced.items()):
            if now - at > self._window:
                del use.displaced[instance]
        if replacing is None or not instance_id or replacing == instance_id:
            return use.finding
        back = instance_id in use.displaced
        use.displaced[replacing] = now
        if back:
            use.finding = _finding(use.finding, cluster, pair=(replacing, instance_id), at=now_ms)
        return use.finding


def _finding(held: Finding | None, cluster: str, *, pair: tuple[str, str], at: int) -> Finding:
    a, b = sorted(pair)
    return Finding(
        fingerprint=fingerprint(cluster),
        reason=REASON,
        severity=Severity.CRITICAL,
        category="security",
        subject=ObjectRef(kind="Cluster", name=cluster),
        message=(
            f"two agents (instances {a} and {b}) present the same token for cluster "
            f"{cluster!r} and keep replacing each other's session: the token was copied or "
            f"stolen. Rotate it (`lookout-master cluster rotate {cluster}`) and give the new "
            "token only to the real agent"
        ),
        first_seen_ms=at if held is None else held.first_seen_ms,
        last_seen_ms=at,
        count=1 if held is None else held.count + 1,
        attrs={"instances": f"{a},{b}"},
    )
