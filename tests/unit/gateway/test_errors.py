"""The gateway's one error handler: the status comes from the exception's type, the body from
its message, and errors it does not map stay server faults."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from master.commands.bus import CommandConflict
from master.commands.requests import InvalidCommand
from master.errors import AuthError, MasterError, NotFound, SequenceError
from master.gateway import errors
from master.gateway.prefer import InvalidPreference


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
    ("exc", "status"),
    [
        (AuthError("missing bearer token"), 401),
        (errors.InvalidQuery("invalid cursor"), 400),
        (InvalidPreference("Prefer: wait must be a number"), 400),
        (NotFound("unknown cluster 'x'"), 404),
        (CommandConflict("command c is already cancelled"), 409),
        (InvalidCommand("unknown command type 'x'"), 422),
        (errors.Unavailable("command bus not running"), 503),
    ],
)
async def test_a_master_error_answers_its_status_with_its_message(
    exc: MasterError, status: int
) -> None:
    transport = httpx.ASGITransport(_app(exc))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/boom")
    assert r.status_code == status
    assert r.json() == {"error": str(exc)}
    assert ("www-authenticate" in r.headers) == (status == 401)


async def test_an_unmapped_master_error_is_a_server_fault() -> None:
    transport = httpx.ASGITransport(_app(SequenceError(2, 5)), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/boom")
    assert r.status_code == 500


def test_every_mapped_error_is_a_master_error() -> None:
    assert all(issubclass(cls, MasterError) for cls in errors.STATUS)
