"""Settings of lease-based leader election (nested into the agent's settings as
``leader_election``; env ``AGENT_LEADER_ELECTION__*``). The Helm chart sets them when
``replicas > 1``."""

from __future__ import annotations

import socket
import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator


def default_identity() -> str:
    # client-go's convention (hostname + unique suffix): two processes on one host (a laptop,
    # a test) must never share an identity, or both would "renew" the same lease and stream.
    # In Kubernetes the chart passes the pod name, which is unique on its own.
    return f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"


class LeaderElectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        False,
        description="Stream only while holding the Lease. Off for a single replica: the lease "
        "would only add API calls and a start-up wait.",
    )
    lease_name: str = Field(
        "lookout-agent-leader",
        min_length=1,
        max_length=253,
        description="Name of the coordination.k8s.io Lease the replicas compete for; the "
        "chart's Role grants get/update/patch on exactly this name.",
    )
    lease_namespace: str = Field(
        "",
        max_length=63,
        description="Namespace of the Lease (the chart passes the pod's own namespace); "
        "required when enabled.",
    )
    identity: str = Field(
        default_factory=default_identity,
        min_length=1,
        max_length=253,
        description="This replica's name in the Lease's holderIdentity (the chart passes the "
        "pod name). Default: hostname plus a random suffix, unique per process.",
    )
    lease_duration_s: float = Field(
        15.0,
        ge=1.0,
        le=3600.0,
        description="Seconds (written rounded up to whole seconds, as the Lease API wants) "
        "after the last observed renewal before another replica may take over. 15 s, as "
        "client-go: a crashed leader is replaced within ~17 s without flapping on a slow API "
        "server.",
    )
    renew_interval_s: float = Field(
        5.0,
        gt=0,
        description="Seconds between the leader's renewals. The leader gives up (stops "
        "streaming and exits) once lease_duration_s - renew_interval_s pass without a "
        "successful renewal, so it is gone before anyone else may take over; 5 of 15 leaves "
        "room for two retries and a 5 s stopping margin (client-go's 10 s renew deadline).",
    )
    retry_period_s: float = Field(
        2.0,
        gt=0,
        le=60.0,
        description="Seconds between a follower's looks at the Lease, and between a leader's "
        "retries after a failed renewal; 2 s as client-go. A released lease is taken over "
        "within about this long.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> LeaderElectionSettings:
        if self.renew_interval_s >= self.lease_duration_s:
            raise ValueError(
                "leader_election.renew_interval_s must be less than lease_duration_s "
                f"(got {self.renew_interval_s} >= {self.lease_duration_s}): the leader must "
                "renew before its lease can expire"
            )
        if self.enabled and not self.lease_namespace:
            raise ValueError(
                "leader_election.enabled needs lease_namespace "
                "(AGENT_LEADER_ELECTION__LEASE_NAMESPACE; the chart passes the pod namespace)"
            )
        return self

    @property
    def renew_deadline_s(self) -> float:
        """Seconds after the last successful renewal (as sent) at which the leader gives up."""
        return self.lease_duration_s - self.renew_interval_s
