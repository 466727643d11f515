"""Settings of the remediation service (env ``MASTER_REMEDIATION__*``), nested in
``MasterSettings``. The approval policy itself is data in the store (``PUT
/api/v1/remediation-policy``), so it changes without a restart and every change is audited."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RemediationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Suggest fixes for findings (never runs one unasked).")
    tick_s: float = Field(
        1.0, gt=0, le=60, description="How often expiries, runs and watches are checked (s)."
    )
    preview_timeout_s: float = Field(
        30.0, gt=0, le=300, description="How long a preview waits for its dry run (seconds)."
    )
    run_timeout_s: float = Field(
        600.0, gt=0, le=3600, description="Deadline of the remediation's command (seconds)."
    )
    queue_max: int = Field(
        10_000, ge=1, description="Findings queued for suggestion before the processor waits."
    )
    recent_rollout_s: int = Field(
        1800, ge=60, description="A revision this new counts as the rollout behind a failure (s)."
    )
