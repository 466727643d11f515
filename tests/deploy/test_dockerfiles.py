"""The images without a Docker engine: each Dockerfile's build stage is replayed for real (its COPY
lines into a fresh build context, its `RUN uv ...` install steps into a clean virtualenv under a
temp dir, its `RUN rm ...` steps on that venv), then the image's entry points run with --help and
what its process does not need is proved absent. A broken lock, a missing hash, a missing COPY
source or a packaging mistake fails here as it would fail `docker build`. The fast tests check the
image policy (base pinned by digest or exact version, hash-checked installs of the image's own
lock, only its process's packages, non-root numeric user, OCI labels, slim final stage) from the
text. The master image's Node stage (the web files) is checked from the text too, and its output
is stood in for by the browser tests' stand-in build when the build stage is replayed, to prove
the wheel ships what the stage hands over."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Dockerfile -> the commands its image must start (the agent image also runs the metrics daemon).
IMAGES: dict[str, tuple[str, ...]] = {
    "Dockerfile.master": ("lookout-master",),
    "Dockerfile.agent": ("lookout-agent", "lookout-metrics"),
}
# Dockerfile -> the project packages it ships (COPY) and its lock.
PACKAGES: dict[str, frozenset[str]] = {
    "Dockerfile.master": frozenset({"shared", "master"}),
    "Dockerfile.agent": frozenset({"shared", "agent", "metrics_daemon"}),
}
LOCK = {
    "Dockerfile.master": "requirements/master.lock",
    "Dockerfile.agent": "requirements/agent.lock",
}
PROJECT_PACKAGES = frozenset(
    {"shared", "master", "agent", "metrics_daemon", "kubesim", "lookout_cli"}
)
# Modules no image may carry (development tools, the simulator's and tests' own), and per image
# the other process's dependencies.
NEVER = ("pytest", "hypothesis", "httpx", "ruff", "mypy", "trustme", "pip_audit")
ABSENT: dict[str, tuple[str, ...]] = {
    # httpx: the master's OpenID Connect client (master.gateway.oidc_client).
    "Dockerfile.master": (*(m for m in NEVER if m != "httpx"), "kubernetes", "aiohttp", "yaml"),
    "Dockerfile.agent": (*NEVER, "fastapi", "uvicorn", "sqlalchemy", "aiosqlite", "jose"),
}
# Dockerfile -> files (relative to site-packages) its installed package must hold: the web files
# the Node stage built, which only pyproject's package-data puts into the wheel.
SHIPS: dict[str, tuple[str, ...]] = {
    "Dockerfile.master": (
        "master/gateway/static/dashboard/index.html",
        "master/gateway/static/dashboard/assets/index-B7fQx2Lk.js",
        "master/gateway/static/dashboard/favicon.svg",
        "master/gateway/static/swagger/swagger-ui-bundle.js",
        "master/gateway/static/swagger/favicon-32x32.png",
    ),
    "Dockerfile.agent": (),
}
# What the master's Node stage produces (scripts/build-dashboard.sh), stood in for by the
# browser tests' fixture build and a few Swagger UI files.
WEB_STAGE = "dashboard"
WEB_OUTPUT = "/src/master/gateway/static/"
STAND_IN_DASHBOARD = REPO / "tests" / "browser" / "fixtures" / "dashboard"
VENV = "/opt/lookout"  # where the build stage puts the venv the runtime stage copies
IMAGE_PYTHON = "/usr/local/bin/python3.11"  # the base image's interpreter
REQUIRED_LABELS = {
    "org.opencontainers.image.title",
    "org.opencontainers.image.source",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
}


@dataclass(slots=True)
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, rest)


def parse(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, rest = line.partition(" ")
        instr, rest = instr.upper(), rest.strip()
        if instr == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else ""
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            stages.append(Stage(base, name))
        elif not stages and instr == "ARG":
            key, _, value = rest.partition("=")
            args[key] = value
        elif stages:
            stages[-1].instructions.append((instr, rest))
    return args, stages


def stage(stages: list[Stage], name: str) -> Stage:
    return next(s for s in stages if s.name == name)


def local_python() -> str:
    base = getattr(sys, "_base_executable", sys.executable)
    return shutil.which("python3.11") or base


def relocate(word: str, mapping: dict[str, str]) -> str:
    """Image paths to their stand-ins under the temp root (/opt/lookout/bin/python too)."""
    for image_path, local in mapping.items():
        if word == image_path or word.startswith(image_path + "/"):
            return local + word[len(image_path) :]
    return word


def dockerignored() -> frozenset[str]:
    """The plain paths .dockerignore leaves out of the context (no wildcards: the rest are
    caches copytree's patterns skip)."""
    lines = (line.strip() for line in (REPO / ".dockerignore").read_text().splitlines())
    return frozenset(
        line.rstrip("/")
        for line in lines
        if line and not line.startswith(("#", "!")) and not set("*?[") & set(line)
    )


def copy_context_dir(source: Path, target: Path) -> None:
    """``COPY dir/ dir/`` as Docker does it: without what .dockerignore leaves out."""
    left_out = dockerignored()
    caches = shutil.ignore_patterns("__pycache__", "*.egg-info")

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).relative_to(REPO)
        return set(caches(folder, names)) | {n for n in names if str(here / n) in left_out}

    shutil.copytree(source, target, ignore=ignore)


def stand_in_web_files(target: Path) -> None:
    """What the Node stage leaves in master/gateway/static/ (its real run needs Docker)."""
    shutil.copytree(STAND_IN_DASHBOARD, target / "dashboard")
    (target / "swagger").mkdir()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        (target / "swagger" / name).write_text("stand-in\n")


def replay_build_stage(dockerfile: Path, root: Path) -> Path:
    """Runs the build stage's COPY and RUN steps under root; returns the venv it produced."""
    _, stages = parse(dockerfile)
    build = stage(stages, "build")
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    mapping = {VENV: str(root / VENV.lstrip("/")), IMAGE_PYTHON: local_python()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    workdir = root
    steps = 0
    for instr, rest in build.instructions:
        if instr == "WORKDIR":
            workdir = root / rest.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instr == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                # The uv cache is allowed here (speed); everything else as in the image.
                if key != "UV_NO_CACHE":
                    env[key] = value
        elif instr == "COPY" and rest.startswith(f"--from={WEB_STAGE} "):
            _, src, dest = shlex.split(rest)
            assert src == WEB_OUTPUT, f"{dockerfile.name}: COPY {rest}?"
            stand_in_web_files(workdir / dest)
        elif instr == "COPY" and not rest.startswith("--from"):
            src, dest = shlex.split(rest)
            source = REPO / src
            assert source.exists(), f"{dockerfile.name}: COPY source {src} is missing"
            target = workdir / dest
            if source.is_dir():
                copy_context_dir(source, target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        elif instr == "RUN" and rest.startswith("rm "):
            for word in shlex.split(rest)[1:]:
                assert word.startswith(f"{VENV}/bin/"), f"{dockerfile.name}: rm {word}?"
                Path(relocate(word, mapping)).unlink()
        elif instr == "RUN":
            argv = [relocate(word, mapping) for word in shlex.split(rest)]
            assert argv[0] == "uv", (
                f"{dockerfile.name}: build-stage RUN {rest!r} is not a uv step; teach "
                "tests/deploy/test_dockerfiles.py to replay it"
            )
            proc = subprocess.run(
                [uv, *argv[1:]],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert proc.returncode == 0, f"{dockerfile.name}: RUN {rest} failed:\n{proc.stderr}"
            steps += 1
    assert steps >= 3, f"{dockerfile.name}: expected venv + lock + project install steps"
    return Path(mapping[VENV])


@pytest.mark.slow
@pytest.mark.parametrize("dockerfile", sorted(IMAGES))
def test_image_install_steps_produce_working_entry_points(dockerfile: str, tmp_path: Path) -> None:
    venv = replay_build_stage(REPO / dockerfile, tmp_path)
    # The project came from the copied context, not from this checkout (no editable install);
    # run outside the checkout so the current directory does not shadow the installed package.
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import shared; print(shared.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert str(tmp_path) in site
    for command in IMAGES[dockerfile]:
        proc = subprocess.run(
            [str(venv / "bin" / command), "--help"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)},
            check=False,
        )
        assert proc.returncode == 0, f"{command} --help failed:\n{proc.stdout}{proc.stderr}"
        assert "usage" in (proc.stdout + proc.stderr).lower()
    site_packages = Path(site.strip()).parent.parent  # .../site-packages/shared/__init__.py
    for shipped in SHIPS[dockerfile]:
        assert (site_packages / shipped).is_file(), (
            f"{dockerfile}: the installed package lacks {shipped}"
        )
    scripts = {p.name for p in (venv / "bin").glob("lookout*")}
    assert scripts == set(IMAGES[dockerfile]), "no entry point whose package is not shipped"
    absent = sorted(PROJECT_PACKAGES - PACKAGES[dockerfile]) + list(ABSENT[dockerfile])
    probe = (
        "import importlib.util, sys; "
        f"present = [m for m in {absent!r} if importlib.util.find_spec(m)]; "
        "print(present); sys.exit(bool(present))"
    )
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"{dockerfile} ships what its process does not need: {proc.stdout}"


@pytest.mark.parametrize("dockerfile", sorted(IMAGES))
def test_image_runs_as_a_non_root_numeric_user_on_a_pinned_slim_base(dockerfile: str) -> None:
    _args, stages = parse(REPO / dockerfile)
    final = stages[-1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", final.base)
    assert final.base == stage(stages, "build").base, "build and runtime must share the base"
    users = [rest for instr, rest in final.instructions if instr == "USER"]
    assert users
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1])
    copies = [rest for instr, rest in final.instructions if instr == "COPY"]
    assert copies == [f"--from=build {VENV} {VENV}"], "ship only the built venv"
    runs = " ".join(rest for instr, rest in final.instructions if instr == "RUN")
    assert not re.search(r"\b(apt-get|pip|uv|gcc|build-essential)\b", runs)
    labels = " ".join(rest for instr, rest in final.instructions if instr == "LABEL")
    assert set(re.findall(r"(org\.opencontainers\.image\.\w+)=", labels)) >= REQUIRED_LABELS
    assert [i for i, _ in final.instructions if i == "HEALTHCHECK"], "say HEALTHCHECK NONE if none"


def test_master_image_builds_its_web_files_in_a_node_stage_into_the_package() -> None:
    """The dashboard and Swagger UI come from a pinned Node stage running the same script as
    make, and land in the package before it is installed, so the final stage still copies only
    the venv and carries no Node."""
    _, stages = parse(REPO / "Dockerfile.master")
    web = stage(stages, WEB_STAGE)
    assert re.fullmatch(r"node:20\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?", web.base)
    copies = {shlex.split(rest)[0] for instr, rest in web.instructions if instr == "COPY"}
    assert copies == {
        "scripts/build-dashboard.sh",
        "scripts/lib/cached-peer.sh",
        "master/gateway/swagger/",
        "dashboard/",
    }
    runs = [rest for instr, rest in web.instructions if instr == "RUN"]
    assert [r.split()[-1] for r in runs] == ["scripts/build-dashboard.sh"]
    build = stage(stages, "build").instructions
    handover = build.index(("COPY", f"--from={WEB_STAGE} {WEB_OUTPUT} master/gateway/static/"))
    assert build.index(("COPY", "master/ master/")) < handover
    install = next(i for i, (instr, rest) in enumerate(build) if rest.endswith(" ."))
    assert handover < install, "the web files must be in place before the package is built"
    assert [s.name for s in stages].index(WEB_STAGE) < [s.name for s in stages].index("build")


def test_master_healthcheck_hits_healthz() -> None:
    _, stages = parse(REPO / "Dockerfile.master")
    (check,) = [rest for instr, rest in stages[-1].instructions if instr == "HEALTHCHECK"]
    assert "http://127.0.0.1:8080/healthz" in check
    assert '"python"' in check


@pytest.mark.parametrize("dockerfile", sorted(IMAGES))
def test_every_base_image_is_pinned_by_digest_or_exact_version(dockerfile: str) -> None:
    """A floating tag (``python:3.11-slim``, ``latest``) rebuilds onto whatever was pushed last."""
    _, stages = parse(REPO / dockerfile)
    names = {s.name for s in stages}
    for s in stages:
        if s.base in names:
            continue  # an earlier stage
        _, _, tag = s.base.partition("@")[0].rpartition(":")
        digest = re.search(r"@sha256:[0-9a-f]{64}$", s.base)
        exact = re.match(r"v?\d+\.\d+\.\d+(?![.\d])", tag)
        assert digest or exact, f"{dockerfile}: FROM {s.base}: a digest or an exact version"


@pytest.mark.parametrize("dockerfile", sorted(IMAGES))
def test_install_steps_check_hashes_of_the_images_own_lock_then_the_project(
    dockerfile: str,
) -> None:
    _, stages = parse(REPO / dockerfile)
    runs = [rest for instr, rest in stage(stages, "build").instructions if instr == "RUN"]
    lock = next(i for i, r in enumerate(runs) if f"-r {LOCK[dockerfile]}" in r)
    assert "--require-hashes" in runs[lock].split()
    assert not [r for r in runs if "-r requirements/" in r and r != runs[lock]]
    project = next(i for i, r in enumerate(runs) if r.endswith(" ."))
    words = runs[project].split()
    assert "--no-deps" in words and "--require-build-hashes" in words
    assert words[words.index("--build-constraints") + 1] == "requirements/build.lock"
    assert lock < project, dockerfile


@pytest.mark.parametrize("dockerfile", sorted(IMAGES))
def test_image_copies_only_its_processes_packages(dockerfile: str) -> None:
    _, stages = parse(REPO / dockerfile)
    sources = {
        shlex.split(rest)[0].rstrip("/")
        for instr, rest in stage(stages, "build").instructions
        if instr == "COPY" and not rest.startswith("--from")
    }
    assert sources & PROJECT_PACKAGES == PACKAGES[dockerfile]
    assert not sources & {"tests", "bench", "kubesim", "lookout_cli", "requirements/dev.lock"}


def test_dockerignore_admits_exactly_what_the_images_copy() -> None:
    copied = set()
    for dockerfile in IMAGES:
        _, stages = parse(REPO / dockerfile)
        copied |= {
            shlex.split(rest)[0].rstrip("/")
            for s in stages
            for instr, rest in s.instructions
            if instr == "COPY" and not rest.startswith("--from")
        }
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    assert "**" in lines, "exclude everything first"
    admitted = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert admitted == copied
