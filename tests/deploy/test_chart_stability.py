"""Rendering is deterministic: ``helm template`` twice gives the same manifests for both charts,
with default values and with every sectioned values file, because GitOps tools (Argo CD, Flux)
render without ``lookup`` on every sync and a random value there would be a new API token or a
new CA each time (every agent then fails TLS). The master makes its own credentials instead
(master.bootstrap; tests/unit/test_master_bootstrap.py), and the agent's intake token is
derived or given."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.helmtool import (
    AGENT_CHART,
    AGENT_REQUIRED,
    CHARTS,
    MASTER_CHART,
    SECTIONED_VALUES,
    SECTIONS,
    Helm,
    HelmError,
    kinds,
    render_agent,
    section_files,
)

ACTION = re.compile(r"\{\{-?+(?!\s*/\*)(.*?)-?\}\}", re.S)
NONDETERMINISTIC = re.compile(r"\b(lookup|rand[A-Za-z]*|uuidv4|genCA|genSelfSignedCert|now)\b")


@pytest.fixture(scope="module")
def value_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    return section_files(tmp_path_factory.mktemp("values"))


def env_of(objs: dict[tuple[str, str], dict[str, Any]], deployment: str) -> dict[str, Any]:
    container = objs[("Deployment", deployment)]["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@pytest.mark.parametrize(
    ("source", "chart"),
    [("defaults", chart) for chart in SECTIONS]
    + [(path.stem, chart) for path in SECTIONED_VALUES for chart in SECTIONS],
)
def test_rendering_twice_gives_identical_manifests(
    helm: Helm, value_files: dict[tuple[str, str], Path], source: str, chart: str
) -> None:
    def render() -> str:
        args = ["template", f"lookout-{chart}", str(SECTIONS[chart]), "--namespace", "lookout"]
        if source == "defaults":
            for key, value in (AGENT_REQUIRED if chart == "agent" else {}).items():
                args += ["--set", f"{key}={value}"]
        else:
            args += ["--values", str(value_files[(source, chart)])]
        return helm.run(*args)

    first, second = render(), render()
    assert first == second


def test_no_template_calls_a_function_that_differs_between_renders() -> None:
    offenders = {
        str(path.relative_to(CHARTS)): sorted(set(NONDETERMINISTIC.findall(text)))
        for path in CHARTS.glob("*/templates/*")
        # Only template actions count: not comments, string literals or the YAML around them.
        for text in [re.sub(r'"(?:[^"\\]|\\.)*"', "", " ".join(ACTION.findall(path.read_text())))]
        if NONDETERMINISTIC.search(text)
    }
    assert offenders == {}


def test_the_master_chart_renders_no_secret_and_lets_the_master_make_its_own(
    helm: Helm,
) -> None:
    objs = kinds(helm.template(MASTER_CHART, release="lookout-master"))
    assert not [k for k in objs if k[0] == "Secret"]
    env = env_of(objs, "lookout-master")
    assert env["MASTER_GENERATE_SECRETS"] == "true"
    assert "MASTER_API_TOKEN" not in env
    assert env["MASTER_TLS_SELF_SIGNED"] == "true"
    hosts = json.loads(env["MASTER_TLS_SELF_SIGNED_HOSTS"])
    assert hosts[:3] == [
        "lookout-master-grpc",
        "lookout-master-grpc.lookout",
        "lookout-master-grpc.lookout.svc",
    ]
    assert "MASTER_TLS_CERT_FILE" not in env
    # They live in the data volume, which is the retained claim.
    pod = objs[("Deployment", "lookout-master")]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "lookout-master-data"
    extra = kinds(
        helm.template(
            MASTER_CHART,
            release="lookout-master",
            sets={"tls.selfSigned.dnsNames": "{lookout-grpc.example.com}"},
        )
    )
    assert "lookout-grpc.example.com" in json.loads(
        env_of(extra, "lookout-master")["MASTER_TLS_SELF_SIGNED_HOSTS"]
    )


def test_a_mysql_master_that_generates_credentials_keeps_them_on_a_claim(helm: Helm) -> None:
    sets = {"store.type": "mysql", "store.mysql.existingSecret": "lookout-mysql"}
    objs = kinds(helm.template(MASTER_CHART, release="lookout-master", sets=sets))
    assert ("PersistentVolumeClaim", "lookout-master-data") in objs
    assert objs[("Deployment", "lookout-master")]["spec"]["strategy"] == {"type": "Recreate"}
    given = {
        **sets,
        "auth.existingSecret": "lookout-master-auth",
        "tls.existingSecret": "lookout-grpc-tls",
    }
    objs = kinds(helm.template(MASTER_CHART, release="lookout-master", sets=given))
    assert ("PersistentVolumeClaim", "lookout-master-data") not in objs
    env = env_of(objs, "lookout-master")
    assert env["MASTER_API_TOKEN"] == {
        "secretKeyRef": {"name": "lookout-master-auth", "key": "api-token", "optional": True}
    }
    assert env["MASTER_TLS_CERT_FILE"] == "/etc/lookout/tls/tls.crt"
    assert "MASTER_GENERATE_SECRETS" not in env and "MASTER_TLS_SELF_SIGNED" not in env


def test_the_intake_token_is_derived_from_an_inline_agent_token(helm: Helm) -> None:
    def intake(token: str) -> str:
        sets = {**AGENT_REQUIRED, "token.existingSecret": "", "token.value": token}
        sets.pop("metrics.intakeToken.existingSecret")
        objs = kinds(helm.template(AGENT_CHART, release="lookout-agent", sets=sets))
        return base64.b64decode(objs[("Secret", "lookout-agent-intake")]["data"]["token"]).decode()

    first = intake("agent-token-one-0123456789")
    assert first == intake("agent-token-one-0123456789")
    assert first != intake("agent-token-two-0123456789")
    assert "agent-token-one" not in first
    assert first == hashlib.sha256(b"lookout-intake/v1:agent-token-one-0123456789").hexdigest()


def test_an_agent_token_from_a_secret_needs_the_intake_secret_too(helm: Helm) -> None:
    with pytest.raises(HelmError, match=r"metrics\.intakeToken\.existingSecret"):
        render_agent(helm, **{"metrics.intakeToken.existingSecret": ""})
    objs = render_agent(helm)
    assert ("Secret", "lookout-agent-intake") not in objs
    env = env_of(objs, "lookout-agent")
    assert env["AGENT_INTAKE__TOKEN"] == {
        "secretKeyRef": {"name": "lookout-agent-intake", "key": "token"}
    }
    # Without metrics no intake token is needed.
    render_agent(helm, **{"metrics.intakeToken.existingSecret": "", "metrics.enabled": "false"})
