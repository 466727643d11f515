"""The running master's API answers as its own OpenAPI document says: schemathesis generates
requests for every operation from ``/api/openapi.json`` and checks each answer (no 5xx, a
documented status, the documented content type and body schema), as an admin and as a viewer.

Random path values would only ever meet 404s, so every operation runs three ways: free,
with its path values pinned to objects that exist (cluster ``edge``, user ``vera``, a real
command), and pinned with negative data (what the schema does not allow must answer 4xx).

schemathesis calls with ``requests``, which blocks: the cases run in a worker thread while the
master serves on this test's event loop. Bounded: few examples per operation, derandomized
(the same cases every run), no example database. Logins are fuzzed too: failed ones soon hit the
throttle, whose 429 is documented; the throttle belongs to this test's master alone.

What it found (fixed): a malformed JSON body answered an undocumented 400 on the users and
password routes; ``GET /commands?before_ms=<huge>`` overflowed the SQLite driver (a 500; now a
422, and ``tests/integration/test_gateway_hardening.py`` pins it, as 15 examples rarely hit it)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.people import conftest as people_conftest
from tests.integration.people.conftest import People

# That package's fixture (a master with logins), made this module's by naming it here.
people = people_conftest.people

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 15
# Answers that never end (an event stream lasts until the client goes): a generated request
# with valid topics would wait forever for a body to check. Its refusals and 400s are in the
# route matrix and tests/integration/test_stream.py.
ENDLESS = frozenset({"/api/v1/stream"})
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(
    schema: schemathesis.BaseSchema,
    base_url: str,
    headers: dict[str, str],
    existing: Mapping[str, str],
) -> list[str]:
    """Every operation's failures, as the report schemathesis writes for each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ENDLESS:
            continue
        names = re.findall(r"{(\w+)}", operation.path)
        pinned = {n: existing[n] for n in names if n in existing}
        ways = [
            ("free", operation.as_strategy()),
            ("negative", operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=pinned)),
        ]
        if pinned:  # without path values, pinned would repeat free
            ways.append(("pinned", operation.as_strategy(path_parameters=pinned)))
        for way, strategy in ways:

            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                case.call_and_validate(
                    base_url=base_url, headers=headers, checks=CHECKS, timeout=30
                )

            try:
                run()
            except (Exception, BaseExceptionGroup) as e:  # report every operation's, not the first
                failures.append(f"{operation.label} ({way}): {e}")
    return failures


@pytest.mark.parametrize("role", ["viewer", "admin"])
async def test_every_operation_answers_as_the_schema_documents(people: People, role: str) -> None:
    base = str(people.http.base_url).rstrip("/")
    command = {"type": "describe", "target": {"kind": "Pod", "namespace": "shop", "name": "w"}}
    r = await people.http.post(
        "/api/v1/clusters/edge/commands", json=command, headers=people.auth("operator")
    )
    assert r.status_code == 202, r.text
    command_id = r.json()["id"]
    # Cancelled, so it is terminal: a wait on it answers at once instead of long-polling.
    r = await people.http.post(
        f"/api/v1/commands/{command_id}/cancel", headers=people.auth("operator")
    )
    assert r.status_code == 202, r.text
    existing = {
        "name": "edge",
        "username": "vera",
        "command_id": command_id,
        "kind": "Pod",
        "namespace": "shop",
        "obj": "w",
        "node": "n1",
    }
    schema = await asyncio.to_thread(schemathesis.openapi.from_url, f"{base}/api/openapi.json")
    failures = await asyncio.to_thread(_fuzz, schema, base, people.auth(role), existing)
    assert not failures, "\n\n".join(failures)
