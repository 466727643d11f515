"""What the command-line clients of the master's HTTP API share: where and as whom
(``LOOKOUT_URL`` / ``LOOKOUT_TOKEN``), the client, and how a refusal is worded. Deliberately no
retries: a person is at the keyboard."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

TIMEOUT_S = 15.0  # one request to a master on the same network; long enough for a busy one
T = TypeVar("T")


class CliSettings(BaseSettings):
    """The command-line client's defaults, from ``LOOKOUT_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="LOOKOUT_", extra="ignore")
    url: str = Field(
        "http://127.0.0.1:8080",
        description="The master's HTTP gateway; the default is its own default listen address.",
    )
    token: str = Field("", description="API token sent as a Bearer token (required).")


class UsageError(Exception):
    """A bad command line, reported before anything is sent."""


def add_connection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="the master's HTTP address (env LOOKOUT_URL)")
    p.add_argument("--token", help="API token (env LOOKOUT_TOKEN)")


def refusal(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return f"HTTP {r.status_code}"
    message = body.get("message") if isinstance(body, dict) else None
    return f"HTTP {r.status_code}: {message or body}"


async def with_client(
    prog: str,
    args: argparse.Namespace,
    work: Callable[[httpx.AsyncClient], Awaitable[T]],
    *,
    err: TextIO,
    settings: CliSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> T | int:
    """``work(client)`` against the master, or an exit code after saying what went wrong
    (2: no token or a bad command line; 1: the master is unreachable)."""
    defaults = settings or CliSettings()
    url, token = args.url or defaults.url, args.token or defaults.token
    if not token:
        err.write(f"{prog}: no token: pass --token or set LOOKOUT_TOKEN\n")
        return 2
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=TIMEOUT_S, transport=transport
        ) as http:
            return await work(http)
    except UsageError as e:
        err.write(f"{prog}: {e}\n")
        return 2
    except httpx.HTTPError as e:
        err.write(f"{prog}: cannot reach the master at {url}: {e}\n")
        return 1


Request = Callable[[httpx.AsyncClient, argparse.Namespace], Awaitable[tuple[httpx.Response, str]]]


async def run_command(
    prog: str,
    parser: argparse.ArgumentParser,
    request: Request,
    argv: Sequence[str],
    *,
    out: TextIO,
    err: TextIO,
    settings: CliSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Parse ``argv``, send ``request``, print its text (to ``--output`` when the parser has
    one and it is given); 1 with the master's message when it refused, 2 for a bad command
    line. For ``main`` and for tests (which run it in their own event loop)."""
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as e:  # argparse printed the usage
        return int(e.code or 0)
    result = await with_client(
        prog,
        args,
        lambda http: request(http, args),
        err=err,
        settings=settings,
        transport=transport,
    )
    if isinstance(result, int):
        return result
    r, text = result
    if not r.is_success:
        err.write(f"{prog}: the master refused: {refusal(r)}\n")
        return 1
    output: Path | None = getattr(args, "output", None)
    if output is not None:
        await asyncio.to_thread(output.write_text, text, encoding="utf-8")
    else:
        out.write(text)
    return 0


@dataclass(frozen=True, slots=True)
class Command:
    """One ``lookout`` subcommand over the API: its parser and its request; ``run`` for tests
    (in their own event loop), ``main`` for the CLI."""

    prog: str
    parser: Callable[[], argparse.ArgumentParser]
    request: Request

    async def run(
        self,
        argv: Sequence[str],
        *,
        out: TextIO,
        err: TextIO,
        settings: CliSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> int:
        return await run_command(
            self.prog,
            self.parser(),
            self.request,
            argv,
            out=out,
            err=err,
            settings=settings,
            transport=transport,
        )

    def main(self, argv: Sequence[str]) -> int:
        return asyncio.run(self.run(argv, out=sys.stdout, err=sys.stderr))
