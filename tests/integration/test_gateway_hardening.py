"""The error shape and the security headers on a real master over HTTP, for the errors only a
master with a store and users gives (403, 409, 422 from the master's rules, 429), and a query
value the store could not hold (found by ``test_api_schema``)."""

from __future__ import annotations

import pytest

from tests.integration.people import conftest as people_conftest
from tests.integration.people.conftest import PASSWORDS, People, login

# That package's fixture (a master with logins), made this module's by naming it here.
people = people_conftest.people


def _error(body: object, code: str) -> str:
    assert isinstance(body, dict) and body["error"] == code, body
    message = body["message"]
    assert isinstance(message, str) and message
    return message


async def test_a_viewer_gets_forbidden_with_what_it_lacks(people: People) -> None:
    r = await people.http.get("/api/v1/users", headers=people.auth("viewer"))
    assert r.status_code == 403
    assert "admin" in _error(r.json(), "forbidden")


async def test_a_taken_name_is_a_conflict_and_a_weak_password_invalid(people: People) -> None:
    taken = {"username": "vera", "password": "another-strong-one-9", "role": "viewer"}
    r = await people.http.post("/api/v1/users", json=taken, headers=people.auth("admin"))
    assert r.status_code == 409
    _error(r.json(), "conflict")
    weak = {"username": "wanda", "password": "qz7-xk9", "role": "viewer"}
    r = await people.http.post("/api/v1/users", json=weak, headers=people.auth("admin"))
    assert r.status_code == 422
    assert "password" in _error(r.json(), "invalid")
    assert "qz7-xk9" not in r.text  # the rule broken, never the value


async def test_repeated_failed_logins_are_throttled(people: People) -> None:
    codes = [(await login(people.http, "vera", "wrong-password-x")).status_code for _ in range(6)]
    assert codes[-1] == 429
    r = await login(people.http, "vera", PASSWORDS["vera"])
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    _error(r.json(), "throttled")


@pytest.mark.parametrize("before_ms", [10**30, -1])
async def test_a_time_the_store_cannot_hold_is_invalid_not_a_crash(
    people: People, before_ms: int
) -> None:
    r = await people.http.get(
        "/api/v1/commands", params={"before_ms": before_ms}, headers=people.auth("viewer")
    )
    assert r.status_code == 422
    _error(r.json(), "invalid")
    assert [p["field"] for p in r.json()["problems"]] == ["query.before_ms"]


async def test_a_login_answer_is_never_cached_nor_framed(people: People) -> None:
    r = await login(people.http, "otto", PASSWORDS["otto"])
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert "strict-transport-security" not in r.headers  # plain HTTP
    assert "access-control-allow-origin" not in r.headers
