"""Command parameters: the contract between whoever asks (the master's API) and whoever acts
(the agent's executor), like the proto files are for the stream.

Both ends validate with these same models: the master so a bad request is a 422 before
anything travels, the agent because a cluster must not trust the master (a compromised master
still cannot get an out-of-bounds scale through). Pydantic because params arrive as untrusted
JSON on both sides. Unknown fields are refused, so a typo is an error, not an ignored option.

Owns one model per parameter shape; which command uses which is ``catalogue``'s row."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared import quantities
from shared.commands.targets import is_label

# An image reference: [registry[:port]/]path[:tag][@digest]; what `docker pull` accepts, minus
# upper case (which registries reject). Checked here so a typo never reaches a rollout.
IMAGE_RE = re.compile(
    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
MAX_REPLICAS = 1000  # a fat-fingered 10000 should need a human at kubectl, not a button
# What set_resources may set: the two resources every scheduler and kubelet understands. Others
# (ephemeral-storage, extended resources such as GPUs) change where a pod fits, not its health.
RESOURCE_NAMES = ("cpu", "memory")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


class RestartPodParams(Params):
    force: bool = Field(False, description="Also delete a pod no controller will replace.")


class ScaleParams(Params):
    replicas: int = Field(..., ge=0, le=MAX_REPLICAS, description="Desired replica count.")
    allow_zero: bool = Field(False, description="Required to scale to 0 (an outage).")

    @model_validator(mode="after")
    def _zero_needs_consent(self) -> ScaleParams:
        if self.replicas == 0 and not self.allow_zero:
            raise ValueError("scaling to 0 replicas requires allow_zero=true")
        return self


def _container_name(v: str | None) -> str | None:
    if v is not None and not is_label(v):
        raise ValueError(f"{v!r} is not a valid container name (a DNS label)")
    return v


class SetImageParams(Params):
    container: str = Field(..., min_length=1, max_length=63, description="Container to change.")
    image: str = Field(..., min_length=1, max_length=512, description="New image reference.")

    _valid_container = field_validator("container")(_container_name)

    @field_validator("image")
    @classmethod
    def _valid_image(cls, v: str) -> str:
        if not IMAGE_RE.match(v):
            raise ValueError(f"invalid image reference {v!r}")
        return v


def _amounts(which: str, v: dict[str, str] | None) -> dict[str, str] | None:
    """Keys among ``RESOURCE_NAMES``, values quantities that are amounts: none negative, no
    zero memory (the kernel kills the container at once) and no zero limit of anything."""
    for name, text in (v or {}).items():
        if name not in RESOURCE_NAMES:
            allowed = ", ".join(RESOURCE_NAMES)
            raise ValueError(f"{which}: {name!r} cannot be set (only {allowed})")
        amount = quantities.parse(text)
        if amount < 0:
            raise ValueError(f"{which}.{name}: {text!r} is negative")
        if amount == 0 and (name == "memory" or which == "limits"):
            raise ValueError(f"{which}.{name}: {text!r} leaves the container no {name}")
    return v


class SetResourcesParams(Params):
    container: str = Field(..., min_length=1, max_length=63, description="Container to change.")
    limits: dict[str, str] | None = Field(
        None, description="New limits by resource (cpu, memory), as quantities: 512Mi, 500m."
    )
    requests: dict[str, str] | None = Field(
        None, description="New requests by resource (cpu, memory), as quantities."
    )

    _valid_container = field_validator("container")(_container_name)

    @field_validator("limits")
    @classmethod
    def _valid_limits(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _amounts("limits", v)

    @field_validator("requests")
    @classmethod
    def _valid_requests(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _amounts("requests", v)

    @model_validator(mode="after")
    def _something_that_fits(self) -> SetResourcesParams:
        if not self.limits and not self.requests:
            raise ValueError("set at least one limit or request")
        # Here only what the params name together; the agent checks again against the
        # container's current values, which the master does not know.
        limits, requests = self.limits or {}, self.requests or {}
        for name in sorted(set(limits) & set(requests)):
            if quantities.parse(requests[name]) > quantities.parse(limits[name]):
                raise ValueError(
                    f"the {name} request {requests[name]} is above its limit {limits[name]}"
                )
        return self


class RollbackParams(Params):
    revision: int | None = Field(
        None, ge=1, description="Revision to restore (default: the one before the current)."
    )


class DrainParams(Params):
    delete_emptydir: bool = Field(False, description="Evict pods with emptyDir volumes too.")
    timeout_s: float = Field(
        120.0, gt=0, le=3600, description="Give up evicting/waiting after this long (seconds)."
    )
    grace_period_s: int | None = Field(
        None, ge=0, le=3600, description="Override the pods' termination grace (seconds)."
    )


class DeletePodParams(Params):
    grace_period_s: int | None = Field(
        None, ge=0, le=3600, description="Termination grace (seconds); default: the pod's."
    )


class PodLogsParams(Params):
    container: str | None = Field(None, max_length=63, description="Default: the only one.")
    tail_lines: int | None = Field(200, ge=1, le=10_000, description="Lines from the end.")
    since_s: int | None = Field(None, ge=1, description="Only lines newer than this (seconds).")
    previous: bool = Field(False, description="Logs of the previous (crashed) container.")
    limit_bytes: int = Field(
        256 * 1024, ge=1024, le=1024 * 1024, description="Size cap (bytes); fits one frame."
    )

    _valid_container = field_validator("container")(_container_name)
