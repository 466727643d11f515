"""⑤ The first half of the handshake: from an anonymous stream to an authenticated hello.

In order, each refusal ending the stream with its own status: an address that spent its
failed-hello burst -> RESOURCE_EXHAUSTED (before anything is read); no first frame in
``hello_timeout_s`` -> DEADLINE_EXCEEDED; a first frame above ``HELLO_MAX_BYTES`` ->
RESOURCE_EXHAUSTED (before it is looked at); not a hello -> FAILED_PRECONDITION; no cluster
name -> INVALID_ARGUMENT; a token refused -> UNAUTHENTICATED. Every refusal spends one
failure of the peer address's bucket (``master.ingress.limits.FailedHellos``); an accepted
hello costs nothing.

What the hello says is the peer's until it is authenticated: it reaches the log only through
``printable`` (bounded, escaped), and refusals are logged at most once per the caller's
``RateLimited`` interval (one per server) with the count of those left out.

Deliberately not here: the welcome and the session (``stream``), the token rules
(``master.clusters.auth``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from master.clusters.auth import TokenLookup, authenticate
from master.errors import AuthError
from master.ingress.context import EOF, Context
from master.ingress.limits import HELLO_MAX_BYTES, FailedHellos, peer_host
from shared.logs import RateLimited, printable
from shared.pb.lookout.v1 import link_pb2

log = logging.getLogger(__name__)

# How often a refusal may be logged: a flood from many addresses is one line per interval.
REFUSAL_LOG_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class Accepted:
    """An authenticated hello and the id of the token it presented (the session keeps it, so
    it can be ended when that token is revoked or rotated)."""

    hello: link_pb2.Hello
    token_id: str


@dataclass(frozen=True, slots=True)
class _Refusal:
    code: grpc.StatusCode
    message: str


async def accept_hello(
    context: Context,
    *,
    timeout_s: float,
    tokens: TokenLookup,
    failures: FailedHellos,
    refusals_logged: RateLimited,
    clock: Callable[[], float] = time.monotonic,
) -> Accepted:
    """The stream's hello once it is authenticated; aborts the stream otherwise."""
    address = peer_host(context.peer())
    if failures.blocked(address, clock()):
        await context.abort(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "too many failed hellos from this address; try again later",
        )
    outcome = await _checked(context, timeout_s=timeout_s, tokens=tokens)
    if isinstance(outcome, Accepted):
        return outcome
    failures.failed(address, clock())
    if refusals_logged.ready(clock()):
        left_out = refusals_logged.take_suppressed()
        log.warning(
            "refused a stream from %s: %s%s",
            printable(address),
            printable(outcome.message, limit=200),
            f" ({left_out} more refusals since the last line)" if left_out else "",
        )
    await context.abort(outcome.code, outcome.message)


async def _checked(
    context: Context, *, timeout_s: float, tokens: TokenLookup
) -> Accepted | _Refusal:
    try:
        async with asyncio.timeout(timeout_s):
            first = await context.read()
    except TimeoutError:
        return _Refusal(grpc.StatusCode.DEADLINE_EXCEEDED, "no hello frame in time")
    if first is EOF or not isinstance(first, link_pb2.AgentFrame):
        return _Refusal(grpc.StatusCode.INVALID_ARGUMENT, "stream ended before hello")
    # Received and parsed already (the transport's message cap bounds that); refused before
    # anything reads, logs or authenticates what it says.
    if (size := first.ByteSize()) > HELLO_MAX_BYTES:
        return _Refusal(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"first frame of {size} bytes exceeds the {HELLO_MAX_BYTES}-byte hello limit",
        )
    if (kind := first.WhichOneof("frame")) != "hello":
        return _Refusal(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"first frame must be hello, got {kind or 'an empty frame'}",
        )
    hello = first.hello
    if not hello.cluster:
        return _Refusal(grpc.StatusCode.INVALID_ARGUMENT, "hello without cluster name")
    try:
        token_id = await authenticate(tokens, cluster=hello.cluster, token=hello.token)
    except AuthError as e:
        return _Refusal(grpc.StatusCode.UNAUTHENTICATED, str(e))
    return Accepted(hello=hello, token_id=token_id)
