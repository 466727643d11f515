"""Executor and policy settings, nested in the agent's settings as ``AGENT_EXECUTOR__*`` and
``AGENT_POLICY__*``.

The policy is the cluster owner's word, set in the agent's Helm values: the master can ask for
anything, the agent does only what this allows. The command names are the shared catalogue's
(``shared.commands.catalogue``); this module only decides which of them are allowed by default."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.commands.catalogue import CATALOGUE

ALL_COMMANDS = tuple(CATALOGUE)


class PolicySettings(BaseModel):
    allowed_commands: list[str] = Field(
        default_factory=lambda: list(ALL_COMMANDS),
        description="Command types this agent runs (env: JSON list). Default: all of them; "
        "owners narrow it in the Helm values.",
    )
    allowed_namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces commands may touch (env: JSON list); empty = every namespace. "
        "Cluster-scoped targets (nodes) are governed by allowed_commands and drain_enabled.",
    )
    drain_enabled: bool = Field(
        False,
        description="Allow ``drain`` (evicts every pod on a node). Off unless the cluster owner "
        "opts in (as in the Helm chart): it is the one command that touches many workloads "
        "at once.",
    )


class ExecutorSettings(BaseModel):
    max_concurrent: int = Field(
        8,
        ge=1,
        le=64,
        description="Commands running at once. 8 covers an operator's burst; more only queues "
        "on the API server's per-client rate limits.",
    )
    queue_size: int = Field(
        256, ge=1, description="Commands waiting to start (the master re-sends on overflow)."
    )
    request_timeout_s: float = Field(
        30.0, gt=0, description="One Kubernetes API request (seconds): a hung call never blocks."
    )
    remembered_results: int = Field(
        1024,
        ge=16,
        description="Finished command ids whose verdict is kept to answer duplicate deliveries "
        "without running again (about 1 KiB each).",
    )
