"""The SLO definitions mounted from a ConfigMap (the Helm chart's slo.definitions or
slo.existingConfigMap): an update the kubelet swaps in is adopted by the running master without
a restart, and PUT /api/v1/slo-config answers a 409 that says where the definitions come from,
not a 500 from the failed write, with the running definitions kept."""

from __future__ import annotations

from pathlib import Path

from tests.harness import API_TOKEN, eventually, master_settings, running_master
from tests.integration.mounted import KubeletVolume, refused_put

ADMIN = {"Authorization": f"Bearer {API_TOKEN}"}
DEFINITIONS = """\
slos:
  - name: {name}
    cluster: edge
    service: web
    objective: 99.9
"""


async def test_a_put_on_read_only_definitions_is_a_conflict_and_the_running_ones_stay(
    tmp_path: Path,
) -> None:
    async with refused_put(
        tmp_path,
        file="slos.yaml",
        text=DEFINITIONS.format(name="mounted"),
        edited=DEFINITIONS.format(name="edited"),
        setting="slo",
        route="/api/v1/slo-config",
        action="slo_config.replace",
    ) as refused:
        assert f"the SLO definitions are mounted from {refused.path} (read-only" in refused.message
        assert "slo.existingConfigMap" in refused.message
        service = refused.master.master.slos
        assert service is not None
        assert [s.name for s in service.config.slos] == (
            ["mounted"] if refused.path.exists() else []
        )


async def test_a_configmap_update_swapped_in_by_the_kubelet_is_adopted_without_a_restart(
    tmp_path: Path,
) -> None:
    volume = KubeletVolume(tmp_path / "slo", {"slos.yaml": DEFINITIONS.format(name="one")})
    path = volume.where / "slos.yaml"
    # The definitions are re-read on each evaluation pass (every evaluate_s).
    settings = master_settings(tmp_path / "m", slo={"config_file": str(path), "evaluate_s": 0.05})
    async with running_master(settings) as m:
        service = m.master.slos
        assert service is not None
        assert [s.name for s in service.config.slos] == ["one"]
        volume.update({"slos.yaml": DEFINITIONS.format(name="two")})
        await eventually(
            lambda: [s.name for s in service.config.slos] == ["two"], what="the swapped file"
        )
