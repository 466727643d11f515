"""The agent chart keeps the journal spool on a volume (AGENT_SPOOL_PATH), sized to the spool
bound: at least the file's peak before compaction plus the rewrite's temporary copy (the
arithmetic is in the chart's values.yaml, next to ``spool.size``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.helmtool import Helm, HelmError, render_agent

MiB = 2**20
UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "": 1}


def need_bytes(max_mib: int) -> int:
    """The spool at its largest (agent/settings.py ``spool_max_bytes``: compaction past 1.5x
    the live bytes + 1 MiB, plus the live copy a rewrite writes aside before the rename)."""
    return int(2.5 * max_mib * MiB) + MiB


def quantity(text: str) -> int:
    match = re.fullmatch(r"([0-9]+)(Ki|Mi|Gi|Ti|)", str(text))
    assert match, text
    return int(match[1]) * UNITS[match[2]]


def agent_pod(objs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]
    return spec


def spool_env_and_volume(pod: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    path = env.get("AGENT_SPOOL_PATH")
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    if path is None:
        return None, None
    owner = next((name for name, at in mounts.items() if path.startswith(at + "/")), None)
    return path, volumes.get(owner) if owner else None


@pytest.mark.parametrize("max_mib", [16, 64, 1])
def test_the_agent_spools_to_an_emptydir_sized_to_the_spool_bound(helm: Helm, max_mib: int) -> None:
    pod = agent_pod(render_agent(helm, spoolMaxMiB=str(max_mib)))
    path, volume = spool_env_and_volume(pod)
    assert path is not None, "AGENT_SPOOL_PATH unset: the agent spools in memory only"
    assert volume is not None, f"{path} is not on a volume (the root filesystem is read-only)"
    assert "emptyDir" in volume
    limit = quantity(volume["emptyDir"]["sizeLimit"])
    assert limit >= need_bytes(max_mib)
    # ...and not wildly more: the headroom is the documented 2x plus the command journal.
    assert limit <= 2 * need_bytes(max_mib) + 10 * MiB
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["AGENT_SPOOL_MAX_BYTES"] == str(max_mib * MiB)


def test_the_spool_can_live_on_a_claim_of_the_same_size(helm: Helm) -> None:
    objs = render_agent(
        helm,
        **{
            "spool.volume": "persistentVolumeClaim",
            "spool.persistentVolumeClaim.storageClass": "x",
        },
    )
    path, volume = spool_env_and_volume(agent_pod(objs))
    assert path is not None and volume is not None
    assert volume["persistentVolumeClaim"]["claimName"] == "lookout-agent-spool"
    claim = objs[("PersistentVolumeClaim", "lookout-agent-spool")]["spec"]
    assert quantity(claim["resources"]["requests"]["storage"]) >= need_bytes(16)
    assert claim["storageClassName"] == "x"
    # The claim follows one pod: no leader election with it.
    with pytest.raises(HelmError, match="needs replicas: 1"):
        render_agent(helm, replicas="2", **{"spool.volume": "persistentVolumeClaim"})


def test_an_explicit_size_wins_and_memory_means_no_volume(helm: Helm) -> None:
    _, volume = spool_env_and_volume(agent_pod(render_agent(helm, **{"spool.size": "1Gi"})))
    assert volume is not None and volume["emptyDir"]["sizeLimit"] == "1Gi"
    pod = agent_pod(render_agent(helm, **{"spool.volume": "memory"}))
    assert spool_env_and_volume(pod) == (None, None)
    assert "spool" not in {v["name"] for v in pod["volumes"]}
