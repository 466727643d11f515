"""Auth headers of the agent's API access: computed through the client's refresh hook (token
files re-read, exec plugins run), reused for ``AUTH_TTL_S`` so that a command's several calls
do not each pay a thread hop, and recomputed once that has passed."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client as k8s_client

from agent.kubeapi import transport
from agent.kubeapi.transport import KubeAccess


def _counting_configuration() -> tuple[k8s_client.Configuration, list[str]]:
    cfg = k8s_client.Configuration(host="https://127.0.0.1:6443")
    issued: list[str] = []

    def refresh(c: Any) -> None:  # what a kubeconfig's token file or exec plugin does
        issued.append(f"token-{len(issued)}")
        c.api_key["authorization"] = issued[-1]

    cfg.api_key["authorization"] = "from-the-kubeconfig"  # the hook runs only once one is set
    cfg.api_key_prefix["authorization"] = "Bearer"
    cfg.refresh_api_key_hook = refresh
    return cfg, issued


async def test_headers_are_reused_within_their_ttl() -> None:
    cfg, issued = _counting_configuration()
    access = KubeAccess(cfg)
    first = await access._headers()
    first["X-Mutated"] = "by a caller"
    second = await access._headers()
    assert issued == ["token-0"]
    assert second["authorization"] == "Bearer token-0"
    assert "X-Mutated" not in second  # each caller gets its own copy


async def test_headers_are_recomputed_once_the_ttl_has_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transport, "AUTH_TTL_S", 0.0)
    cfg, issued = _counting_configuration()
    access = KubeAccess(cfg)
    await access._headers()
    rotated = await access._headers()
    assert issued == ["token-0", "token-1"]
    assert rotated["authorization"] == "Bearer token-1"
