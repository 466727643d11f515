"""Settings of the metrics intake (nested into the agent's settings as ``intake``; env
``AGENT_INTAKE__*``): where the MetricsIntake server listens, the token daemons must send, and
the largest batch it takes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class IntakeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str = Field(
        "0.0.0.0:7444",
        min_length=3,
        description="host:port the MetricsIntake gRPC server binds. All interfaces by default "
        "because daemons on other nodes reach the agent through its Service; 7444 is next to "
        "nothing standard and matches the daemon's METRICS_AGENT_ADDRESS default.",
    )
    token: SecretStr = Field(
        SecretStr(""),
        description="Shared token daemons must send as 'authorization: Bearer ...'; empty "
        "accepts any caller (acceptable on a node-local, NetworkPolicy-restricted port).",
    )
    max_samples_per_push: int = Field(
        1000,
        ge=1,
        description="Largest batch accepted in one Push; a daemon sends at most its buffer "
        "(40 by default), so more is a misbehaving client, refused as INVALID_ARGUMENT.",
    )

    def token_or_none(self) -> str | None:
        return self.token.get_secret_value() or None
