"""scripts/build-dashboard.sh for real (node, npm, the Swagger UI lock) on a stand-in dashboard
in a scratch copy of the repository: it installs Swagger UI and exits 0 while there is no
dashboard yet, builds and precompresses one into the static dir, skips while nothing changed,
rebuilds when a source changes, and --check tells stale from fresh without building."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

REPO = Path(__file__).resolve().parents[2]
FILES = ("scripts/build-dashboard.sh", "scripts/lib/cached-peer.sh")

# A dashboard as far as the script can tell: a lock without dependencies (npm ci needs no
# network) and a build that writes dist/ and counts its runs.
PACKAGE = {"name": "stand-in", "private": True, "scripts": {"build": "node build.mjs"}}
LOCK = {
    "name": "stand-in",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {"": {"name": "stand-in"}},
}
BUILD = """
import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
const src = readFileSync("src/main.js");
const name = `main-${createHash("sha256").update(src).digest("hex").slice(0, 8)}.js`;
mkdirSync("dist/assets", { recursive: true });
writeFileSync(`dist/assets/${name}`, src);
writeFileSync("dist/index.html", `<script type="module" src="/assets/${name}"></script>`);
appendFileSync("../builds.log", "built\\n");
"""


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(repo / FILES[0]), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node and npm are needed (the machine's Node.js)")
    root = tmp_path / "repo"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "master/gateway/swagger", root / "master/gateway/swagger")
    return root


def add_dashboard(repo: Path) -> Path:
    d = repo / "dashboard"
    (d / "src").mkdir(parents=True)
    (d / "package.json").write_bytes(orjson.dumps(PACKAGE))
    (d / "package-lock.json").write_bytes(orjson.dumps(LOCK))
    (d / "build.mjs").write_text(BUILD)
    (d / "src" / "main.js").write_text("console.log('one');\n")
    return d


def test_without_a_dashboard_it_installs_swagger_ui_and_exits_0(repo: Path) -> None:
    done = run(repo)
    assert done.returncode == 0, done.stderr
    assert "dashboard/package.json does not exist yet" in done.stderr
    swagger = repo / "master/gateway/static/swagger"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        assert (swagger / name).is_file(), name
    packed = (swagger / "swagger-ui-bundle.js.gz").read_bytes()
    assert gzip.decompress(packed) == (swagger / "swagger-ui-bundle.js").read_bytes()
    assert not (repo / "master/gateway/static/dashboard").exists()
    assert run(repo, "--check").returncode == 0


def test_it_builds_once_and_again_only_when_a_source_changed(repo: Path) -> None:
    d = add_dashboard(repo)
    static = repo / "master/gateway/static/dashboard"
    first = run(repo)
    assert first.returncode == 0, first.stderr
    assert (static / "index.html").is_file()
    (asset,) = (static / "assets").glob("main-*.js")
    assert gzip.decompress((static / "assets" / (asset.name + ".gz")).read_bytes()) == (
        asset.read_bytes()
    )
    again = run(repo)
    assert again.returncode == 0, again.stderr
    assert "dashboard: up to date" in again.stderr
    assert (repo / "builds.log").read_text().count("built") == 1
    (d / "src" / "main.js").write_text("console.log('two');\n")
    stale = run(repo, "--check")
    assert stale.returncode == 1
    assert "dashboard: stale" in stale.stderr
    assert (repo / "builds.log").read_text().count("built") == 1  # --check builds nothing
    rebuilt = run(repo)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (repo / "builds.log").read_text().count("built") == 2
    (new,) = (static / "assets").glob("main-*.js")
    assert new.name != asset.name  # the old build was replaced, not merged
    assert "npm ci" not in rebuilt.stderr  # the lock did not change: node_modules kept
    assert run(repo, "--check").returncode == 0
