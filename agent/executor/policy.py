"""The agent's command policy: whether the cluster owner lets this command run here at all.
Pure: settings + command -> None (allowed) or the reason.

In order: the command type is allowed, drain is switched on, the namespace is allowed, and a
mutating command does not target a protected namespace (``kube-system``, ``kube-public``,
``kube-node-lease`` and the agent's own, unless the owner opted that namespace in). A
namespaced target without a namespace is refused here too, so an empty namespace can never
pass for "no namespace to check" (``shared.commands.targets`` refuses it first).

Nodes are cluster-scoped: cordon, uncordon and drain are governed by the command list and the
drain switch alone. A drain evicts a node's pods in every namespace, kube-system included,
exactly as ``kubectl drain`` does (DaemonSet and mirror pods are skipped): that is what
draining a node means, and an eviction respects PodDisruptionBudgets.

Deliberately does not own what a write may change (``guard``) or which images ``set_image``
may bring in (``images``)."""

from __future__ import annotations

from agent.executor.settings import PolicySettings
from shared.domain.commands import Command
from shared.kinds import BY_KIND

PREFIX = "forbidden by agent policy: "


def refusal(policy: PolicySettings, command: Command, *, mutating: bool) -> str | None:
    if command.type not in policy.allowed_commands:
        return f"{PREFIX}command {command.type!r} is not allowed"
    if command.type == "drain" and not policy.drain_enabled:
        return f"{PREFIX}drain is disabled on this cluster"
    ns = command.target.namespace
    known = BY_KIND.get(command.target.kind)
    if not ns and (known is None or known.namespaced):
        return f"{PREFIX}a {command.target.kind} target without a namespace"
    if ns and policy.allowed_namespaces and ns not in policy.allowed_namespaces:
        return f"{PREFIX}namespace {ns!r} is not allowed"
    if mutating and policy.protected(ns):
        return (
            f"{PREFIX}namespace {ns!r} is protected: no mutating command runs there unless "
            "the cluster owner lists it in policy.protectedNamespaces.unprotect"
        )
    return None
