"""The agent's allowlist check. Pure: settings + command -> None (allowed) or the reason."""

from __future__ import annotations

from agent.executor.settings import PolicySettings
from shared.domain.commands import Command


def refusal(policy: PolicySettings, command: Command) -> str | None:
    if command.type not in policy.allowed_commands:
        return f"forbidden by agent policy: command {command.type!r} is not allowed"
    if command.type == "drain" and not policy.drain_enabled:
        return "forbidden by agent policy: drain is disabled on this cluster"
    ns = command.target.namespace
    if ns and policy.allowed_namespaces and ns not in policy.allowed_namespaces:
        return f"forbidden by agent policy: namespace {ns!r} is not allowed"
    return None
