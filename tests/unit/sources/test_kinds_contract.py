"""The sources and the kind table agree: every source watches a row of the table (its API
coordinates and scope are the table's), is named after that row, and sends a kind the master
accepts (it closes the stream otherwise)."""

from __future__ import annotations

from agent.kubeapi.paths import collection_path
from agent.sources.registry import SOURCES
from shared.kinds import BY_KIND, BY_RESOURCE, MIRRORED


def test_every_source_watches_a_row_of_the_kind_table() -> None:
    for name, spec in SOURCES.items():
        assert BY_RESOURCE.get(spec.api.resource) is spec.api, name
        assert spec.path("ns") == collection_path(spec.api, "ns"), name


def test_a_source_is_named_after_its_kind_or_its_api_for_a_second_api_of_a_kind() -> None:
    for name, spec in SOURCES.items():
        if BY_KIND[spec.kind] is spec.api:
            assert name == spec.kind
        else:
            assert name == f"{spec.api.group}/{spec.kind}"


def test_every_source_kind_is_accepted_by_the_master() -> None:
    assert {spec.kind for spec in SOURCES.values()} <= MIRRORED
