"""The alerting config mounted from a Secret (the Helm chart's alerting.existingSecret): an
update the kubelet swaps in is adopted by the running master without a restart, and PUT
/api/v1/alert-config answers a 409 that says where the config comes from, not a 500 from the
failed write, with the running config kept."""

from __future__ import annotations

from pathlib import Path

from tests.harness import API_TOKEN, eventually, master_settings, running_master
from tests.integration.mounted import KubeletVolume, refused_put

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
    async with refused_put(
        tmp_path,
        file="alerting.yaml",
        text=CONFIG.format(name="mounted"),
        edited=CONFIG.format(name="edited"),
        setting="alerts",
        route="/api/v1/alert-config",
        action="alert_config.replace",
    ) as refused:
        assert f"the alerting config is mounted from {refused.path} (read-only" in refused.message
        assert "alerting.existingSecret" in refused.message
        alerts = refused.master.master.alerts
        assert alerts is not None
        receivers = set(alerts.loaded.receivers.by_name)
        assert "edited" not in receivers
        assert ("mounted" in receivers) == refused.path.exists()  # as root: the default ran


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
