"""Metrics daemon settings (env prefix ``METRICS_``), built once in ``__main__``."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings

DEFAULT_NET_EXCLUDE = (
    r"(veth|cali|lxc|cilium_|flannel|cni|vxlan|tunl|kube-ipvs|docker|br-|virbr|ifb|genev|"
    r"nodelocaldns|weave|datapath|antrea-|ovs-).*"
)


class MetricsSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="forbid", validate_default=True)

    node_name: str = Field(
        default_factory=socket.gethostname,
        min_length=1,
        description="Node these samples describe; set from the downward API (spec.nodeName) in "
        "the DaemonSet, because a pod's hostname is the pod name. Default: this host's name.",
    )
    proc_root: Path = Field(
        Path("/proc"),
        description="Where the host's /proc is mounted (read-only hostPath, e.g. /host/proc).",
    )
    sys_root: Path = Field(
        Path("/sys"),
        description="Where the host's /sys is mounted; used to tell hardware disks from "
        "virtual ones and to find the CPU thermal zone. Optional: name rules apply without it.",
    )
    rootfs: Path = Field(
        Path("/"),
        description="Where the host's / is mounted (e.g. /host/root); filesystem sizes are "
        "read with statvfs(<rootfs>/<mount point>).",
    )
    interval_s: float = Field(
        15.0,
        ge=1.0,
        le=3600.0,
        description="Seconds between samples. 15 s matches kubelet's resource metrics and keeps "
        "the daemon's CPU negligible; shorter intervals cost CPU on every node.",
    )
    agent_address: str = Field(
        "127.0.0.1:7444",
        min_length=3,
        description="host:port of the agent's MetricsIntake (in Kubernetes, the agent Service).",
    )
    intake_token: SecretStr = Field(
        SecretStr(""),
        description="Shared token sent as 'authorization: Bearer ...'; empty sends none. Must "
        "match the agent's intake token when the agent sets one.",
    )
    push_timeout_s: float = Field(
        5.0, gt=0, description="Deadline of one push (seconds); a local hop answers in ms."
    )
    buffer_max_samples: int = Field(
        40,
        ge=1,
        le=10_000,
        description="Samples kept while the agent is unreachable (40 at 15 s = 10 minutes); "
        "past it the oldest are dropped and counted. ~2 KB each.",
    )
    retry_initial_s: float = Field(1.0, gt=0, description="First retry delay (seconds).")
    retry_max_s: float = Field(
        30.0,
        gt=0,
        description="Retry delay cap (seconds): twice the interval, so a recovered agent gets "
        "the backlog within a couple of samples.",
    )
    net_exclude: str = Field(
        DEFAULT_NET_EXCLUDE,
        description="Regular expression (full match) of interface names not reported, besides "
        "lo. Default: per-pod veths and CNI/overlay devices, whose traffic the physical "
        "interface already counts and which number in the hundreds on a busy node.",
    )

    @field_validator("net_exclude")
    @classmethod
    def _valid_regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"net_exclude is not a valid regular expression: {e}") from e
        return v

    def net_exclude_pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.net_exclude) if self.net_exclude else None

    def token(self) -> str | None:
        return self.intake_token.get_secret_value() or None
