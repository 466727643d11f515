"""The alerting config mounted from a Secret (the Helm chart's alerting.existingSecret): an
update the kubelet swaps in is adopted by the running master without a restart, and PUT
/api/v1/alert-config answers a 409 that says where the config comes from, not a 500 from the
failed write, with the running config kept."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.harness import API_TOKEN, eventually, master_settings, running_master
from tests.integration.mounted import KubeletVolume, unwritable_dir

ADMIN = {"Authorization": f"Bearer {API_TOKEN}"}
CONFIG = """\
route:
  receiver: {name}
receivers:
  - name: {name}
    webhook_configs:
      - url: http://127.0.0.1:9/hook
"""


async def test_a_put_on_a_read_only_config_is_a_conflict_and_the_running_one_stays(
    tmp_path: Path,
) -> None:
    with unwritable_dir(tmp_path, {"alerting.yaml": CONFIG.format(name="mounted")}) as mounted:
        path = mounted / "alerting.yaml"
        settings = master_settings(tmp_path / "m", alerts={"config_file": str(path)})
        async with running_master(settings) as m:
            base = f"http://127.0.0.1:{m.master.http_port}"
            async with httpx.AsyncClient(base_url=base, headers=ADMIN) as http:
                before = (await http.get("/api/v1/alert-config")).json()
                r = await http.put(
                    "/api/v1/alert-config", json={"yaml": CONFIG.format(name="edited")}
                )
                assert r.status_code == 409, r.text
                message = r.json()["message"]
                audit = (await http.get("/api/v1/audit")).json()["items"]
                assert [
                    (e["outcome"], e["detail"]["refused"])
                    for e in audit
                    if e["action"] == "alert_config.replace"
                ] == [("refused", message)]
                assert f"the alerting config is mounted from {path} (read-only" in message
                assert "alerting.existingSecret" in message
                assert (await http.get("/api/v1/alert-config")).json() == before
                receivers = (await http.get("/api/v1/receivers")).json()["items"]
                assert "edited" not in [x["name"] for x in receivers]
        if path.exists():  # as root no file could be put there: the default ran
            assert path.read_text() == CONFIG.format(name="mounted")
            assert before["config"]["route"]["receiver"] == "mounted"


async def test_a_secret_update_swapped_in_by_the_kubelet_is_adopted_without_a_restart(
    tmp_path: Path,
) -> None:
    volume = KubeletVolume(tmp_path / "alerting", {"alerting.yaml": CONFIG.format(name="one")})
    path = volume.where / "alerting.yaml"
    settings = master_settings(
        tmp_path / "m", alerts={"config_file": str(path), "config_poll_s": 0.05}
    )
    async with running_master(settings) as m:
        service = m.master.alerts
        assert service is not None
        assert list(service.loaded.receivers.by_name) == ["one"]
        volume.update({"alerting.yaml": CONFIG.format(name="two")})
        await eventually(
            lambda: list(service.loaded.receivers.by_name) == ["two"], what="the swapped file"
        )
