"""The images without a Docker engine: each Dockerfile's build stage is replayed for real (its COPY
lines into a fresh build context, its `RUN uv ...` install steps into a clean virtualenv under a
temp dir), then the image's entry points run with --help. A broken lock, a missing COPY source or
a packaging mistake fails here as it would fail `docker build`. The fast tests check the image
policy (pinned base, non-root numeric user, OCI labels, slim final stage) from the text."""

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
        elif instr == "COPY" and not rest.startswith("--from"):
            src, dest = shlex.split(rest)
            source = REPO / src
            assert source.exists(), f"{dockerfile.name}: COPY source {src} is missing"
            target = workdir / dest
            if source.is_dir():
                shutil.copytree(
                    source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
                )
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
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
        [str(venv / "bin" / "python"), "-c", "import master; print(master.__file__)"],
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


@pytest.mark.parametrize("dockerfile", sorted(IMAGES))
def test_image_runs_as_a_non_root_numeric_user_on_a_pinned_slim_base(dockerfile: str) -> None:
    _args, stages = parse(REPO / dockerfile)
    final = stages[-1]
    assert re.fullmatch(r"python:3\.11\.?\d*-slim(-\w+)?(@sha256:[0-9a-f]{64})?", final.base)
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


def test_master_healthcheck_hits_healthz() -> None:
    _, stages = parse(REPO / "Dockerfile.master")
    (check,) = [rest for instr, rest in stages[-1].instructions if instr == "HEALTHCHECK"]
    assert "http://127.0.0.1:8080/healthz" in check
    assert '"python"' in check


def test_install_steps_use_the_lock_then_the_project_without_deps() -> None:
    for dockerfile in IMAGES:
        _, stages = parse(REPO / dockerfile)
        runs = [rest for instr, rest in stage(stages, "build").instructions if instr == "RUN"]
        lock = next(i for i, r in enumerate(runs) if "-r requirements/runtime.lock" in r)
        project = next(i for i, r in enumerate(runs) if r.endswith("--no-deps ."))
        assert lock < project, dockerfile
