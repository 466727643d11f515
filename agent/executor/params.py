"""The agent's own parameter schemas (it does not trust the master's validation).

Mirrors ``master.commands.catalogue`` by design: the two processes share no code beyond
``shared``, and a compromised master must still not get an out-of-bounds scale through."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IMAGE_RE = re.compile(
    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
MAX_REPLICAS = 1000


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


class RestartPodParams(Params):
    force: bool = False


class ScaleParams(Params):
    replicas: int = Field(..., ge=0, le=MAX_REPLICAS)
    allow_zero: bool = False

    @model_validator(mode="after")
    def _zero_needs_consent(self) -> ScaleParams:
        if self.replicas == 0 and not self.allow_zero:
            raise ValueError("scaling to 0 replicas requires allow_zero=true")
        return self


class SetImageParams(Params):
    container: str = Field(..., min_length=1, max_length=63)
    image: str = Field(..., min_length=1, max_length=512)

    @field_validator("image")
    @classmethod
    def _valid_image(cls, v: str) -> str:
        if not IMAGE_RE.match(v):
            raise ValueError(f"invalid image reference {v!r}")
        return v


class RollbackParams(Params):
    revision: int | None = Field(None, ge=1)


class DrainParams(Params):
    delete_emptydir: bool = False
    timeout_s: float = Field(120.0, gt=0, le=3600)
    grace_period_s: int | None = Field(None, ge=0, le=3600)


class DeletePodParams(Params):
    grace_period_s: int | None = Field(None, ge=0, le=3600)


class PodLogsParams(Params):
    container: str | None = Field(None, max_length=63)
    tail_lines: int | None = Field(200, ge=1, le=10_000)
    since_s: int | None = Field(None, ge=1)
    previous: bool = False
    limit_bytes: int = Field(256 * 1024, ge=1024, le=1024 * 1024)
