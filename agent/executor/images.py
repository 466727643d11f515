"""The image policy of ``set_image``: which new image a command may put into a workload.

Pure: image references and the owner's rules in, a refusal reason (or None) out. Owns the
parsing and normalisation of image references the way the container runtime resolves them
(``nginx`` is ``docker.io/library/nginx``; ``registry:5000/x`` names the registry
``registry:5000``; ``index.docker.io`` is ``docker.io``) and of allowlist rules:

- ``ghcr.io`` (a host: it has a ``.`` or a ``:`` port, or is ``localhost``): any image there;
- ``ghcr.io/acme/*`` or ``acme/*``: any repository under that path (Docker Hub when no host);
- ``ghcr.io/acme/web`` or ``nginx``: exactly that repository.

Without rules, a workload may only get an image from a source one of its containers or init
containers already pulls from: a compromised master cannot bring code from a registry of its
own. A source is the registry, except on registries where anyone can open an account
(``PUBLIC_REGISTRIES``: Docker Hub, ghcr.io, quay.io, ...): there it is the registry plus the
account (``docker.io/library``, ``ghcr.io/acme``), or "the registry it already uses" would let
an attacker push to an account of their own there. ``require_digest`` also wants ``@sha256:``
pinning, so a tag moved later cannot swap the code.

Deliberately does not own settings (``settings.ImagePolicy``) or the command itself."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.commands.params import IMAGE_RE

DOCKER_HUB = "docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
# Registries where anyone can push under an account of their own (the first path segment).
PUBLIC_REGISTRIES = frozenset(
    {"docker.io", "ghcr.io", "quay.io", "gcr.io", "public.ecr.aws", "registry.gitlab.com"}
)
_PUBLIC_SUFFIXES = (".gcr.io", ".pkg.dev")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_HOST_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?$")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A normalised image reference; ``name`` is ``registry/repository``."""

    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def source(self) -> str:
        """Who controls what this name serves: the registry, or on a public registry the
        registry and the account (``docker.io/library``, ``ghcr.io/acme``)."""
        if self.registry in PUBLIC_REGISTRIES or self.registry.endswith(_PUBLIC_SUFFIXES):
            return f"{self.registry}/{self.repository.split('/', 1)[0]}"
        return self.registry


def _is_host(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def _split_registry(path: str) -> tuple[str, str]:
    first, sep, rest = path.partition("/")
    if sep and _is_host(first):
        registry = DOCKER_HUB if first in _HUB_ALIASES else first
        return registry, rest
    return DOCKER_HUB, path


def parse(text: str) -> ImageRef:
    """``text`` normalised; ``ValueError`` when it is not an image reference."""
    if not IMAGE_RE.match(text):
        raise ValueError(f"invalid image reference {text!r}")
    rest, _, digest = text.partition("@")
    registry, path = _split_registry(rest)
    last = path.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        path, _, tag = path.rpartition(":")
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"  # official images live under library/
    return ImageRef(registry, path, tag, digest)


@dataclass(frozen=True, slots=True)
class Rule:
    """One allowlist entry: a registry, a repository prefix (``/*``) or one repository."""

    registry: str
    path: str = ""  # "" = the whole registry
    prefix: bool = False

    def allows(self, image: ImageRef) -> bool:
        if image.registry != self.registry:
            return False
        if not self.path:
            return True
        if self.prefix:
            return image.repository.startswith(self.path + "/")
        return image.repository == self.path

    def __str__(self) -> str:
        if not self.path:
            return self.registry
        return f"{self.registry}/{self.path}" + ("/*" if self.prefix else "")


def parse_rule(text: str) -> Rule:
    """An allowlist entry (see the module docstring); ``ValueError`` when malformed."""
    entry = text.strip()
    last = entry.rsplit("/", 1)[-1]
    port_only = "/" not in entry and re.fullmatch(r"[^:]+:[0-9]+", entry) is not None
    if "@" in entry or (":" in last and not port_only):
        raise ValueError(f"{text!r}: an allowlist entry names a repository, not a tag/digest")
    if "/" not in entry and _is_host(entry):
        if not _HOST_RE.match(entry):
            raise ValueError(f"invalid registry {text!r}")
        return Rule(DOCKER_HUB if entry in _HUB_ALIASES else entry)
    prefix = entry.endswith("/*")
    if prefix:
        base = entry[:-2]
        if "/" not in base and _is_host(base):
            raise ValueError(f"{text!r}: write the registry alone to allow all of it")
        registry, path = _split_registry(base)
    else:
        ref = parse(entry)
        registry, path = ref.registry, ref.repository
    if not (_HOST_RE.match(registry) and _PATH_RE.match(path)):
        raise ValueError(f"invalid image allowlist entry {text!r}")
    return Rule(registry, path, prefix)


def sources(images: Iterable[str]) -> set[str]:
    """The sources (``ImageRef.source``) ``images`` pull from; references that do not parse
    are skipped."""
    out = set()
    for image in images:
        try:
            out.add(parse(image).source)
        except ValueError:
            continue
    return out


def image_refusal(
    image: str, *, current: Iterable[str], allowed: Sequence[str], require_digest: bool
) -> str | None:
    """Why ``image`` may not replace a container image of a workload whose images are
    ``current``; None when it may."""
    try:
        ref = parse(image)
    except ValueError as e:
        return str(e)
    if require_digest and not ref.digest:
        return f"image {image!r} is not pinned by digest (@sha256:…), which this cluster requires"
    if allowed:
        rules = [parse_rule(a) for a in allowed]
        if not any(r.allows(ref) for r in rules):
            listed = ", ".join(str(r) for r in rules)
            return f"image {ref.name!r} is not in this cluster's image allowlist ({listed})"
        return None
    used = sources(current)
    if ref.source not in used:
        where = ", ".join(sorted(used)) or "none readable"
        return (
            f"image source {ref.source!r} is not one this workload already pulls from "
            f"({where}); the cluster owner can allow it in policy.images.allowed"
        )
    return None
