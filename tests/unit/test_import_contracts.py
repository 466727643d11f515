"""The import contracts (``.importlinter``) hold on the tree, and each kind of rule really bites:
a copy of the tree with one deliberately wrong import (or an undeclared package) fails
``lint-imports`` naming the contract it broke."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "master", "agent", "metrics_daemon", "kubesim", "lookout_cli")
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    # A wide console: contract names longer than 80 columns would wrap before their verdict.
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "400"}
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", "--config", str(tree / ".importlinter")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


@pytest.fixture
def tree(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(pristine, copy)
    return copy


def test_the_tree_keeps_every_contract(pristine: Path) -> None:
    result = _lint(pristine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("master/datahub/__init__.py", "import master.gateway", "the master is layered"),
        ("master/store/__init__.py", "import master.ingress", "the master is layered"),
        ("agent/detect/__init__.py", "import agent.sources", "the agent is layered"),
        ("agent/outbox/__init__.py", "import agent.snapshot", "the agent is layered"),
        ("agent/sources/__init__.py", "import kubernetes", "kubernetes client package"),
        ("master/processor/__init__.py", "import grpc", "grpc is imported only"),
        ("master/datahub/__init__.py", "import shared.pb", "generated protobuf code"),
        ("master/commands/__init__.py", "import fastapi", "fastapi and starlette"),
        ("master/gateway/__init__.py", "import sqlalchemy", "SQLAlchemy"),
        ("shared/clock.py", "import agent", "shared imports no app package"),
        # The SLO count store may use the maths' leaves, not burn rates or reports.
        (
            "master/store/repositories/slo_rows.py",
            "import master.slo.burn",
            "the store uses only the SLO maths' leaves",
        ),
        # The maths sits below the store: it may not reach up into it.
        ("master/slo/counts.py", "import master.store.errors", "the master is layered"),
        # Remediation's judgement stays pure; only its service shell runs commands.
        (
            "master/remediation/policy.py",
            "import master.commands.bus",
            "master.remediation's core is pure",
        ),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    tree: Path, module: str, line: str, contract: str
) -> None:
    with (tree / module).open("a") as f:
        f.write(f"\n{line}  # deliberately wrong\n")
    result = _lint(tree)
    assert result.returncode != 0
    # "<name> BROKEN", or "<name> BROKEN (n ignored imports)" for a contract with exceptions.
    broken = [ln for ln in result.stdout.splitlines() if " BROKEN" in ln]
    assert any(contract in ln for ln in broken), result.stdout


def test_a_package_missing_from_the_master_layers_breaks_them(tree: Path) -> None:
    # Exhaustive layers: a new package has to be placed in the diagram before it can exist.
    (tree / "master" / "newthing").mkdir()
    (tree / "master" / "newthing" / "__init__.py").write_text('"""Not in any layer."""\n')
    result = _lint(tree)
    assert result.returncode != 0
    assert "the master is layered along the data flow BROKEN" in result.stdout
