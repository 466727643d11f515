"""Executor and policy settings, nested in the agent's settings as ``AGENT_EXECUTOR__*`` and
``AGENT_POLICY__*``.

The policy is the cluster owner's word, set in the agent's Helm values: the master can ask for
anything, the agent does only what this allows. The command names are the shared catalogue's
(``shared.commands.catalogue``); this module only decides which of them are allowed by default
and which namespaces are protected. The checks themselves are ``policy`` (commands),
``images`` (set_image) and ``guard`` (what a write may change)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.executor.images import parse_rule
from shared.commands.catalogue import CATALOGUE

ALL_COMMANDS = tuple(CATALOGUE)
# The control plane's own namespaces: a mutating command there can take over the cluster.
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


class ImagePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed: list[str] = Field(
        default_factory=list,
        description="Where set_image may take images from (env: JSON list): a registry "
        "(``ghcr.io``), a repository prefix (``ghcr.io/acme/*``) or one repository "
        "(``ghcr.io/acme/web``, ``nginx``). Empty: only registries the target workload's "
        "containers already pull from (on public registries such as Docker Hub: the same "
        "accounts), so a compromised master cannot bring code of its own.",
    )
    require_digest: bool = Field(
        False,
        description="Accept only images pinned by digest (``@sha256:``), so what was approved "
        "is what runs even if a tag is moved later.",
    )

    @field_validator("allowed")
    @classmethod
    def _rules(cls, v: list[str]) -> list[str]:
        for entry in v:
            parse_rule(entry)  # ValueError -> a settings error at start-up
        return v


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
    protected_namespaces: list[str] = Field(
        default_factory=lambda: list(SYSTEM_NAMESPACES),
        description="Namespaces no mutating command may touch, whatever allowed_namespaces "
        "says (env: JSON list); reads (describe, pod_logs) stay allowed. To let commands in, "
        "name the namespace in unprotected_namespaces rather than dropping it here.",
    )
    agent_namespace: str = Field(
        "",
        max_length=63,
        description="The agent's own namespace (the chart passes the pod's, from the downward "
        "API): protected like protected_namespaces, since its token and RBAC live there. "
        "Empty outside Kubernetes.",
    )
    unprotected_namespaces: list[str] = Field(
        default_factory=list,
        description="The cluster owner's explicit opt-in (env: JSON list): protected "
        "namespaces (the agent's own included) where mutating commands run anyway.",
    )
    images: ImagePolicy = Field(
        default_factory=ImagePolicy,
        description="Which images set_image may bring in (AGENT_POLICY__IMAGES__*).",
    )

    def protected(self, namespace: str) -> bool:
        """No mutating command may target an object in ``namespace``."""
        listed = namespace in self.protected_namespaces or namespace == self.agent_namespace
        return bool(namespace) and listed and namespace not in self.unprotected_namespaces


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
