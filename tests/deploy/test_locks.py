"""The lock files (requirements/*.lock, made by scripts/lock): every distribution hash-pinned, the
image locks the dev lock's versions and only their process's dependencies, and no dependency
declared that nothing uses. Offline: reads the files, asks no index."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "requirements"
LOCKS = sorted(REQUIREMENTS.glob("*.lock"))
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# Image lock -> the extras it holds besides the base dependencies.
IMAGE_LOCKS = {"master.lock": ("master",), "agent.lock": ("agent",)}
# What an image must not carry: other processes' dependencies and development tools.
TOOLS = {
    "pytest",
    "hypothesis",
    "ruff",
    "mypy",
    "import-linter",
    "trustme",
    "pip-audit",
    "httpx",
    "schemathesis",
}
NOT_IN = {
    # httpx is the master's OpenID Connect client (master.gateway.oidc_client) too.
    "master.lock": (TOOLS - {"httpx"}) | {"kubernetes", "aiohttp", "pyyaml"},
    "agent.lock": TOOLS
    | {"fastapi", "starlette", "uvicorn", "sqlalchemy", "aiosqlite", "asyncmy", "python-jose"},
}
# Declared dependencies that no module imports, each with why it stays.
NOT_IMPORTED = {
    "argon2-cffi": "passlib's argon2 backend (master.auth.passwords loads it by scheme name)",
    "httptools": "uvicorn's HTTP parser (uvicorn picks it up when installed)",
    "aiosqlite": "the SQLite driver SQLAlchemy loads for a sqlite+aiosqlite DSN",
    "asyncmy": "the MariaDB driver SQLAlchemy loads for a mysql+asyncmy DSN",
    "pytest-asyncio": "pytest plugin (asyncio_mode = auto)",
    "pytest-timeout": "pytest plugin (timeout = 300)",
    "ruff": "tool (scripts/check)",
    "mypy": "tool (scripts/check)",
    "import-linter": "tool (scripts/check)",
    "mypy-protobuf": "protoc plugin (scripts/gen-proto.sh)",
    "types-protobuf": "stubs for mypy",
    "types-pyyaml": "stubs for mypy",
    "grpc-stubs": "stubs for mypy",
    "sniffio": "httpcore asks for it on every request and retries a failing import (9 % of CPU)",
}
SOURCE_DIRS = ("agent", "master", "shared", "metrics_daemon", "kubesim", "lookout_cli", "tests")
SOURCE_DIRS += ("bench", "scripts")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, requirement
    return canonical(match.group(0))


def parse_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, sha256 hashes) of each requirement in a lock file."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    out: dict[str, tuple[str, list[str]]] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        name, sep, version = words[0].partition("==")
        assert sep, f"{path.name}: {words[0]!r} is not pinned with =="
        hashes = [w.removeprefix("--hash=") for w in words[1:] if w.startswith("--hash=")]
        out[canonical(name)] = (version, hashes)
    return out


def declared(*extras: str) -> set[str]:
    project = PYPROJECT["project"]
    names = {dist_name(r) for r in project["dependencies"]}
    for extra in extras:
        names |= {dist_name(r) for r in project["optional-dependencies"][extra]}
    return names


def test_there_is_a_lock_per_image_plus_dev_and_build() -> None:
    assert {p.name for p in LOCKS} >= {"dev.lock", "build.lock", *IMAGE_LOCKS}
    assert "runtime.lock" not in {p.name for p in LOCKS}, "the images have a lock each"


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_locked_distribution_carries_a_sha256(lock: Path) -> None:
    pins = parse_lock(lock)
    assert pins, f"{lock.name} locks nothing"
    unhashed = sorted(name for name, (_, hashes) in pins.items() if not hashes)
    assert not unhashed, f"{lock.name}: no --hash for {unhashed}; run scripts/lock"
    for name, (_, hashes) in pins.items():
        for h in hashes:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", h), f"{lock.name}: {name} {h}"


@pytest.mark.parametrize("lock", sorted(IMAGE_LOCKS))
def test_image_locks_pin_exactly_the_dev_locks_versions(lock: str) -> None:
    dev = parse_lock(REQUIREMENTS / "dev.lock")
    image = parse_lock(REQUIREMENTS / lock)
    assert set(image) <= set(dev), f"{lock} has what dev.lock lacks: {set(image) - set(dev)}"
    moved = {n: (v, dev[n][0]) for n, (v, _) in image.items() if dev[n][0] != v}
    assert not moved, f"{lock} pins other versions than dev.lock (image, dev): {moved}"


@pytest.mark.parametrize("lock", sorted(IMAGE_LOCKS))
def test_image_locks_hold_their_process_and_nothing_else(lock: str) -> None:
    pins = set(parse_lock(REQUIREMENTS / lock))
    missing = declared(*IMAGE_LOCKS[lock]) - pins
    assert not missing, f"{lock} lacks {missing}; run scripts/lock"
    assert not pins & NOT_IN[lock], f"{lock} carries {pins & NOT_IN[lock]}"


def test_dev_lock_holds_every_extra_and_the_backends_the_later_issues_use() -> None:
    pins = set(parse_lock(REQUIREMENTS / "dev.lock"))
    extras = tuple(PYPROJECT["project"]["optional-dependencies"])
    assert not declared(*extras) - pins, "run scripts/lock"
    # python-jose signs with cryptography (never its pure-Python ecdsa); passlib with argon2.
    for lock in ("dev.lock", "master.lock"):
        pinned = set(parse_lock(REQUIREMENTS / lock))
        assert {"python-jose", "cryptography", "passlib", "argon2-cffi", "aiosmtplib"} <= pinned


def test_build_and_uv_locks_match_what_they_lock_for() -> None:
    build_in = (REQUIREMENTS / "build.in").read_text().split("\n")
    wanted = {dist_name(r) for r in PYPROJECT["build-system"]["requires"]}
    assert {dist_name(r) for r in build_in if r.strip() and not r.startswith("#")} == wanted
    assert set(parse_lock(REQUIREMENTS / "build.lock")) >= wanted
    (uv_version,) = {v for n, (v, _) in parse_lock(REQUIREMENTS / "uv.lock").items() if n == "uv"}
    for dockerfile in ("Dockerfile.master", "Dockerfile.agent"):
        assert f"ghcr.io/astral-sh/uv:{uv_version} " in (REPO / dockerfile).read_text()


def test_every_declared_dependency_is_used() -> None:
    """A dependency nothing imports is a dependency to remove (or to list in NOT_IMPORTED with
    the reason it stays)."""
    project = PYPROJECT["project"]
    names = declared(*project["optional-dependencies"])
    modules_of: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(canonical(dist), set()).add(module)
    text = "\n".join(
        p.read_text(errors="replace")
        for d in SOURCE_DIRS
        for p in (REPO / d).rglob("*")
        if p.is_file() and (p.suffix in {".py", ".sh"} or p.parent.name == "scripts")
    )
    imported = set(re.findall(r"^\s*(?:import|from)\s+(\w+)", text, re.MULTILINE))
    imported |= set(re.findall(r"-m\s+(\w+)", text))  # python -m grpc_tools.protoc
    unused = {
        name for name in names - set(NOT_IMPORTED) if not modules_of.get(name, set()) & imported
    }
    assert not unused, f"declared but imported by nothing: {sorted(unused)}"
    stale = {name for name in NOT_IMPORTED if modules_of.get(name, set()) & imported}
    assert not stale, f"NOT_IMPORTED lists what is imported now: {sorted(stale)}"
    assert set(NOT_IMPORTED) <= names, "NOT_IMPORTED lists a dependency no longer declared"


def _audit_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lookout_audit", REPO / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _audit_module()


def test_audit_waivers_are_dated_explained_and_not_past_their_review() -> None:
    """scripts/audit.py refuses an expired or unexplained waiver; the committed file passes."""
    today = dt.date(2026, 12, 2)
    assert audit.waivers("# c\n\nCVE-1  2027-03-01  no fix upstream\n", today=today) == ["CVE-1"]
    for bad in ("CVE-1 2026-12-01 expired yesterday", "CVE-1 soon no date", "CVE-1 2027-03-01"):
        with pytest.raises(audit.WaiverError):
            audit.waivers(bad, today=today)
    text = (REQUIREMENTS / "audit-ignore.txt").read_text()
    assert audit.waivers(text, today=dt.datetime.now(dt.UTC).date())


def test_audit_builds_a_release_document_from_the_project_document() -> None:
    """The index here serves /NAME/json but not /NAME/VERSION/json: the project document stands
    in, exact for the latest release, conservative (and noted) for an older pin."""
    vulns = [{"id": "PYSEC-1", "aliases": [], "fixed_in": [], "details": "d"}]
    project = {"info": {"version": "2.0"}, "urls": [], "vulnerabilities": vulns, "releases": {}}
    asked: list[str] = []

    def fetch(url: str) -> dict[str, Any] | None:
        asked.append(url)
        return project if url.endswith("/pypi/pkg/json") else None

    behind: list[str] = []
    base = "https://index.example/pypi"
    latest = audit.release_document(f"{base}/pkg/2.0/json", fetch, behind)
    assert latest == {"info": {"version": "2.0"}, "urls": [], "vulnerabilities": vulns}
    assert asked == [f"{base}/pkg/json"] and behind == []
    assert audit.release_document(f"{base}/pkg/1.0/json", fetch, behind)["vulnerabilities"]
    assert behind == ["pkg 1.0 (latest 2.0)"]
    assert audit.release_document(f"{base}/gone/1.0/json", fetch, behind) is None
    assert audit.release_document(f"{base}/pkg/json", fetch, behind) is None  # not a release URL
