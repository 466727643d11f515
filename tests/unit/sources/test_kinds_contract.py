"""Every kind the agent can watch is one the master accepts (it closes the stream otherwise)."""

from __future__ import annotations

from agent.sources.registry import SOURCES
from shared.kinds import MIRRORED


def test_every_source_kind_is_accepted_by_the_master() -> None:
    assert {spec.kind for spec in SOURCES.values()} <= MIRRORED
