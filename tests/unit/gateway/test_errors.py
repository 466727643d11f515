"""The gateway's one error handler: the status comes from the exception's type, the body from
its message, and errors it does not map stay server faults."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from master.commands.bus import CommandConflict
from master.commands.requests import InvalidCommand
from master.errors import (
    AuthError,
    Conflict,
    Forbidden,
    MasterError,
    NotFound,
    Rejected,
    SequenceError,
    Throttled,
)
from master.gateway import errors
from master.gateway.prefer import InvalidPreference
from master.store import StoreBusy, StoreClosed, StoreCorrupt, StoreUnavailable


def _app(exc: Exception) -> FastAPI:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise exc

    app = FastAPI()
    app.include_router(router)
    errors.install(app)
    return app


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (AuthError("missing bearer token"), 401, "unauthorized"),
        (Forbidden("this needs the admin permission"), 403, "forbidden"),
        (errors.InvalidQuery("invalid cursor"), 400, "bad_request"),
        (InvalidPreference("Prefer: wait must be a number"), 400, "bad_request"),
        (NotFound("unknown cluster 'x'"), 404, "not_found"),
        (CommandConflict("command c is already cancelled"), 409, "conflict"),
        (Conflict("this is the last active admin"), 409, "conflict"),
        (InvalidCommand("unknown command type 'x'"), 422, "invalid"),
        (Rejected("the password is too short"), 422, "invalid"),
        (Throttled("too many failed logins", retry_after_s=1.5), 429, "throttled"),
        (errors.Unavailable("command bus not running"), 503, "unavailable"),
        (StoreBusy("store write not committed within 30 s"), 503, "unavailable"),
        (StoreUnavailable("cannot reach the MySQL/MariaDB store"), 503, "unavailable"),
        (StoreClosed("the store is closing; write not accepted"), 503, "unavailable"),
    ],
)
async def test_a_master_error_answers_its_status_code_and_message(
    exc: MasterError, status: int, code: str
) -> None:
    transport = httpx.ASGITransport(_app(exc))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/boom")
    assert r.status_code == status
    assert r.json() == {"error": code, "message": str(exc)}
    assert ("www-authenticate" in r.headers) == (status == 401)


@pytest.mark.parametrize(
    ("exc", "seconds"),
    [
        (StoreBusy("queue full"), "2"),
        (StoreUnavailable("MySQL down"), "10"),
        (StoreClosed("closing"), "10"),
        (errors.Unavailable("command bus not running"), "10"),
    ],
)
async def test_every_503_says_when_to_retry(exc: MasterError, seconds: str) -> None:
    transport = httpx.ASGITransport(_app(exc))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/boom")
    assert (r.status_code, r.headers.get("retry-after")) == (503, seconds)


async def test_a_store_fault_that_is_no_passing_condition_stays_a_server_fault() -> None:
    exc = StoreCorrupt("not a database")
    transport = httpx.ASGITransport(_app(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/boom")
    assert r.status_code == 500


async def test_an_unmapped_master_error_is_a_server_fault() -> None:
    transport = httpx.ASGITransport(_app(SequenceError(2, 5)), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/boom")
    assert r.status_code == 500


def test_every_mapped_error_is_a_master_error() -> None:
    assert all(issubclass(cls, MasterError) for cls in errors.STATUS)
