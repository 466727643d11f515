"""Settings of the SLO service (env ``MASTER_SLO__*``), nested in ``MasterSettings``."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class SloSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    config_file: Path | None = Field(
        None,
        description="The SLO definitions YAML (see master/slo_service/config.py and the README). "
        "Unset: <data_dir>/slos.yaml, which PUT /api/v1/slo-config writes; while that file "
        "does not exist no SLO is defined.",
    )
    evaluate_s: float = Field(
        30.0,
        gt=0,
        description="How often per-minute counts are brought up to date from the ingress "
        "samples and every SLO's burn-rate rules are evaluated (seconds). The shortest rule "
        "window is 5 minutes, so 30 s keeps an alert within a tenth of it.",
    )
    config_poll_s: float = Field(
        2.0, gt=0, description="How often the definitions file's mtime is checked (seconds)."
    )
