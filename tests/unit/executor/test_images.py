"""The image policy of set_image: references normalised as the container runtime resolves them,
allowlist rules, and the default "only sources the workload already uses". Pure."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.executor.images import ImageRef, image_refusal, parse, parse_rule, sources
from agent.executor.settings import ImagePolicy

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nginx", ImageRef("docker.io", "library/nginx")),
        ("nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27")),
        ("bitnami/redis:7", ImageRef("docker.io", "bitnami/redis", "7")),
        ("docker.io/nginx", ImageRef("docker.io", "library/nginx")),
        ("index.docker.io/library/nginx:1", ImageRef("docker.io", "library/nginx", "1")),
        ("registry:5000/x", ImageRef("registry:5000", "x")),
        ("registry:5000/team/x:2", ImageRef("registry:5000", "team/x", "2")),
        ("localhost/x", ImageRef("localhost", "x")),
        ("ghcr.io/acme/web@" + DIGEST, ImageRef("ghcr.io", "acme/web", "", DIGEST)),
        ("ghcr.io/acme/web:1.2@" + DIGEST, ImageRef("ghcr.io", "acme/web", "1.2", DIGEST)),
        ("registry.k8s.io/coredns/coredns:v1.11.1",
         ImageRef("registry.k8s.io", "coredns/coredns", "v1.11.1")),
    ],
)  # fmt: skip
def test_image_references_are_normalised_like_the_runtime_resolves_them(
    text: str, expected: ImageRef
) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["", "Nginx", "a b", "ghcr.io/acme/web@sha256:abc", "x:y:z"])
def test_malformed_references_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid image reference"):
        parse(text)


def test_public_registries_are_split_by_account_private_ones_are_not() -> None:
    assert parse("nginx").source == "docker.io/library"
    assert parse("attacker/miner").source == "docker.io/attacker"
    assert parse("ghcr.io/acme/web").source == "ghcr.io/acme"
    assert parse("eu.gcr.io/proj/app").source == "eu.gcr.io/proj"
    assert parse("registry.local/team/web").source == "registry.local"
    assert parse("registry:5000/x").source == "registry:5000"
    assert sources(["nginx:1", "registry.local/web:1", "Not An Image"]) == {
        "docker.io/library",
        "registry.local",
    }


@pytest.mark.parametrize(
    ("rule", "allowed", "refused"),
    [
        ("ghcr.io", ["ghcr.io/acme/web:1", "ghcr.io/other/x"], ["quay.io/acme/web"]),
        ("ghcr.io/acme/*", ["ghcr.io/acme/web", "ghcr.io/acme/sub/x:2"],
         ["ghcr.io/acmex/web", "ghcr.io/acme"]),
        ("ghcr.io/acme/web", ["ghcr.io/acme/web:2", "ghcr.io/acme/web@" + DIGEST],
         ["ghcr.io/acme/web2", "ghcr.io/acme/web/x"]),
        ("nginx", ["nginx:1.27", "docker.io/library/nginx"], ["nginx2", "bitnami/nginx"]),
        ("acme/*", ["acme/web:1", "docker.io/acme/x"], ["acmex/web", "nginx"]),
        ("registry:5000", ["registry:5000/x"], ["registry/x", "registry:5001/x"]),
        ("docker.io", ["nginx", "attacker/miner"], ["ghcr.io/x/y"]),
    ],
)  # fmt: skip
def test_allowlist_rules_match_registries_prefixes_and_repositories(
    rule: str, allowed: list[str], refused: list[str]
) -> None:
    r = parse_rule(rule)
    assert [i for i in allowed if not r.allows(parse(i))] == []
    assert [i for i in refused if r.allows(parse(i))] == []


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("ghcr.io/*", "write the registry alone"),
        ("nginx:1.27", "names a repository, not a tag/digest"),
        ("ghcr.io/acme/web@" + DIGEST, "names a repository, not a tag/digest"),
        ("/*", "invalid image allowlist entry"),
        ("Ghcr.io", "invalid registry"),
    ],
)
def test_malformed_allowlist_entries_are_refused(rule: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rule(rule)


def test_a_bad_allowlist_entry_fails_the_settings_at_start_up() -> None:
    with pytest.raises(ValidationError, match="an allowlist entry names a repository"):
        ImagePolicy(allowed=["nginx:1.27"])


WORKLOAD = ["registry.local/shop/web:1.0", "proxy:1"]  # init/sidecar from Docker Hub's library


def refusal(image: str, *, allowed: tuple[str, ...] = (), digest: bool = False) -> str | None:
    return image_refusal(image, current=WORKLOAD, allowed=allowed, require_digest=digest)


def test_by_default_only_sources_the_workload_already_uses_are_accepted() -> None:
    assert refusal("registry.local/shop/web:2.0") is None
    assert refusal("registry.local/other/thing:1") is None  # same private registry
    assert refusal("nginx:1.27") is None  # docker.io/library, as the sidecar
    foreign = refusal("evil.example.com/miner:1")
    assert foreign is not None
    assert "'evil.example.com' is not one this workload already pulls from" in foreign
    assert "(docker.io/library, registry.local)" in foreign
    hub_account = refusal("attacker/miner:1")  # Docker Hub, but someone else's account
    assert hub_account is not None and "'docker.io/attacker'" in hub_account
    assert image_refusal("x:1", current=[], allowed=(), require_digest=False) is not None


def test_an_allowlist_replaces_the_default_rule() -> None:
    assert refusal("ghcr.io/acme/web:2", allowed=("ghcr.io/acme/*",)) is None
    out = refusal("registry.local/shop/web:2.0", allowed=("ghcr.io/acme/*",))
    assert out is not None and "not in this cluster's image allowlist (ghcr.io/acme/*)" in out


def test_digest_pinning_when_required() -> None:
    out = refusal("registry.local/shop/web:2.0", digest=True)
    assert out is not None and "not pinned by digest" in out
    assert refusal(f"registry.local/shop/web@{DIGEST}", digest=True) is None
    assert refusal(f"registry.local/shop/web:2.0@{DIGEST}", digest=True) is None
