"""The command contract suites' helpers: a real agent executor (``executor_runner``, shared
with ``tests/k8s``) with the backend's agent identity, and small waits and refs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from agent.executor.settings import PolicySettings
from shared.domain.refs import ObjectRef
from tests.contract.backends import Backend, wait_for
from tests.k8s.executor_runner import Runner, running_executor


@contextlib.asynccontextmanager
async def agent_executor(backend: Backend) -> AsyncIterator[Runner]:
    """A real executor with the agent's identity; drain allowed, as a cluster owner opts in."""
    policy = PolicySettings(drain_enabled=True)
    async with running_executor(
        backend.agent_kubeconfig, policy, context=backend.agent_context
    ) as runner:
        yield runner


async def settled(check: Any, what: str) -> Any:
    """``backends.wait_for`` off the event loop, so the executor keeps running meanwhile."""
    return await asyncio.to_thread(wait_for, check, timeout=60, what=what)


def pod_ref(ns: str, name: str) -> ObjectRef:
    return ObjectRef(kind="Pod", namespace=ns, name=name)
