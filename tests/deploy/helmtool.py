"""A real `helm` for the deploy tests: finding it (LOOKOUT_K8S_BIN, then
`scripts/k8s-bins.sh --print-dir`, then PATH) and a small wrapper that renders charts into parsed
objects. Deliberately does not build helm (that is scripts/k8s-bins.sh's job)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHARTS = REPO / "deploy" / "helm"
MASTER_CHART = CHARTS / "lookout-master"
AGENT_CHART = CHARTS / "lookout-agent"
PRODUCTION_VALUES = Path(__file__).with_name("values-production.yaml")
# Values files with one section per chart ("master", "agent"): production, everything switched
# on, and any other tests/deploy/values-*.yaml added later.
SECTIONED_VALUES = sorted(Path(__file__).parent.glob("values-*.yaml"))
SECTIONS = {"master": MASTER_CHART, "agent": AGENT_CHART}

# The least an agent install needs (the schema requires these; everything else has defaults).
# The intake token: with the agent token from a Secret the chart cannot derive one (see
# secrets.yaml), so the daemons' token comes from a Secret too.
AGENT_REQUIRED = {
    "clusterName": "prod-eu-1",
    "master.address": "lookout-grpc.example.com:7443",
    "token.existingSecret": "lookout-agent-token",
    "metrics.intakeToken.existingSecret": "lookout-agent-intake",
}


def find_helm() -> Path | None:
    bin_dir = os.environ.get("LOOKOUT_K8S_BIN")
    if bin_dir and (Path(bin_dir) / "helm").is_file():
        return Path(bin_dir) / "helm"
    script = REPO / "scripts" / "k8s-bins.sh"
    if script.is_file():
        out = subprocess.run(
            [str(script), "--print-dir"], capture_output=True, text=True, timeout=60, check=False
        )
        lines = out.stdout.strip().splitlines()
        if out.returncode == 0 and lines and (Path(lines[-1]) / "helm").is_file():
            return Path(lines[-1]) / "helm"
    found = shutil.which("helm")
    return Path(found) if found else None


class HelmError(Exception):
    """helm exited non-zero; the message carries its stderr (schema and `fail` messages)."""

    def __init__(self, args: tuple[str, ...], stderr: str) -> None:
        super().__init__(f"helm {' '.join(args[:2])} failed:\n{stderr}")
        self.stderr = stderr


@dataclass(frozen=True, slots=True)
class Helm:
    binary: Path
    home: Path
    kubeconfig: Path | None = None

    def run(self, *args: str, timeout: float = 120) -> str:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
        }
        if self.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.kubeconfig)
        proc = subprocess.run(
            [str(self.binary), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise HelmError(tuple(args), proc.stderr + proc.stdout)
        return proc.stdout

    def with_kubeconfig(self, kubeconfig: Path) -> Helm:
        return Helm(self.binary, self.home, kubeconfig)

    def template(
        self,
        chart: Path,
        *,
        values: Sequence[Path] = (),
        sets: dict[str, str] | None = None,
        release: str = "lookout",
        namespace: str = "lookout",
    ) -> list[dict[str, Any]]:
        out = self.run(
            "template", release, str(chart), "--namespace", namespace, *value_args(values, sets)
        )
        return [doc for doc in yaml.safe_load_all(out) if doc]

    def lint(
        self, chart: Path, *, values: Sequence[Path] = (), sets: dict[str, str] | None = None
    ) -> str:
        return self.run("lint", "--strict", str(chart), *value_args(values, sets))


def value_args(values: Sequence[Path], sets: dict[str, str] | None) -> list[str]:
    args: list[str] = []
    for path in values:
        args += ["--values", str(path)]
    for key, value in (sets or {}).items():
        args += ["--set", f"{key}={value}"]
    return args


def section_files(out: Path) -> dict[tuple[str, str], Path]:
    """Every sectioned values file split into one file per chart: {(file stem, chart): path}."""
    files = {}
    for source in SECTIONED_VALUES:
        for section, values in (yaml.safe_load(source.read_text()) or {}).items():
            path = out / f"{source.stem}-{section}.yaml"
            path.write_text(yaml.safe_dump(values))
            files[(source.stem, section)] = path
    return files


def kinds(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Objects keyed by (kind, name)."""
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


Grant = tuple[str, str, str]  # (apiGroup, resource, verb)
# What podMetrics.enabled adds: the agent's two metrics-server lists (agent/pod_metrics).
POD_METRICS_GRANTS = {("metrics.k8s.io", r, v) for r in ("pods", "nodes") for v in ("get", "list")}


def render_agent(helm: Helm, **sets: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The agent chart with the required values plus ``sets``, keyed by (kind, name)."""
    return kinds(
        helm.template(AGENT_CHART, release="lookout-agent", sets={**AGENT_REQUIRED, **sets})
    )


def grants(role: dict[str, Any]) -> set[Grant]:
    """A Role's or ClusterRole's rules flattened to one (apiGroup, resource, verb) each."""
    return {
        (group, resource, verb)
        for rule in role.get("rules") or ()
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def commands(names: list[str]) -> str:
    """A list of command names as a ``--set`` value."""
    return "{" + ",".join(names) + "}"
