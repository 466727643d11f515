"""The SLO definitions mounted from a ConfigMap (the Helm chart's slo.definitions or
slo.existingConfigMap): an update the kubelet swaps in is adopted by the running master without
a restart, and PUT /api/v1/slo-config answers a 409 that says where the definitions come from,
not a 500 from the failed write, with the running definitions kept."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.harness import API_TOKEN, eventually, master_settings, running_master
from tests.integration.mounted import KubeletVolume, unwritable_dir

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
    with unwritable_dir(tmp_path, {"slos.yaml": DEFINITIONS.format(name="mounted")}) as mounted:
        path = mounted / "slos.yaml"
        settings = master_settings(tmp_path / "m", slo={"config_file": str(path)})
        async with running_master(settings) as m:
            base = f"http://127.0.0.1:{m.master.http_port}"
            async with httpx.AsyncClient(base_url=base, headers=ADMIN) as http:
                before = (await http.get("/api/v1/slo-config")).json()
                r = await http.put(
                    "/api/v1/slo-config", json={"yaml": DEFINITIONS.format(name="edited")}
                )
                assert r.status_code == 409, r.text
                message = r.json()["message"]
                audit = (await http.get("/api/v1/audit")).json()["items"]
                assert [
                    (e["outcome"], e["detail"]["refused"])
                    for e in audit
                    if e["action"] == "slo_config.replace"
                ] == [("refused", message)]
                assert f"the SLO definitions are mounted from {path} (read-only" in message
                assert "slo.existingConfigMap" in message
                assert (await http.get("/api/v1/slo-config")).json() == before
                assert m.master.slos is not None
                assert [s.name for s in m.master.slos.config.slos] == (
                    ["mounted"] if path.exists() else []
                )
        if path.exists():  # as root no file could be put there: no SLO ran
            assert path.read_text() == DEFINITIONS.format(name="mounted")


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
