"""Settings and the command line of the daemon."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from metrics_daemon.__main__ import main
from metrics_daemon.settings import MetricsSettings
from tests.unit.metrics_daemon.fixtures import ROOT


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """``main`` configures logging for the process; give pytest its handlers back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_settings_come_from_metrics_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_NODE_NAME", "worker-7")
    monkeypatch.setenv("METRICS_PROC_ROOT", "/host/proc")
    monkeypatch.setenv("METRICS_AGENT_ADDRESS", "lookout-agent:7444")
    monkeypatch.setenv("METRICS_INTAKE_TOKEN", "s3cret")
    s = MetricsSettings()
    assert (s.node_name, s.proc_root, s.agent_address) == (
        "worker-7",
        Path("/host/proc"),
        "lookout-agent:7444",
    )
    assert s.token() == "s3cret"
    assert s.interval_s == 15.0
    assert s.buffer_max_samples == 40


def test_an_empty_token_means_none_is_sent() -> None:
    assert MetricsSettings(node_name="n").token() is None


def test_the_node_name_defaults_to_the_host_name() -> None:
    import socket

    assert MetricsSettings().node_name == socket.gethostname()


def test_an_invalid_interface_pattern_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="net_exclude"):
        MetricsSettings(node_name="n", net_exclude="(")


def test_help_works_and_names_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "METRICS_AGENT_ADDRESS" in capsys.readouterr().out


def test_invalid_settings_exit_2_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("METRICS_INTERVAL_S", "0")
    assert main(["--once"]) == 2
    assert "interval_s" in capsys.readouterr().err


def test_once_prints_one_sample_of_a_fixture_machine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("METRICS_NODE_NAME", "pi")
    monkeypatch.setenv("METRICS_PROC_ROOT", str(ROOT / "raspberry-pi-4" / "proc"))
    monkeypatch.setenv("METRICS_SYS_ROOT", str(ROOT / "raspberry-pi-4" / "sys"))
    monkeypatch.setenv("METRICS_ROOTFS", str(tmp_path))
    assert main(["--once", "--window", "0"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["node"] == "pi"
    assert doc["cpu_temp_c"] == 48.686
    assert [d["device"] for d in doc["disks"]] == ["mmcblk0"]


def test_a_wrong_proc_root_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("METRICS_PROC_ROOT", str(tmp_path / "nope"))
    assert main(["--once", "--window", "0"]) == 1
