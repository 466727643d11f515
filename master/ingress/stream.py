"""⑤ One agent stream: handshake, then the session's reader, writer and committer until one
of them ends.

Protocol (see proto/lookout/v1/link.proto): the first frame must be ``hello`` within
``hello_timeout``, small and authenticated (``hello``: its checks, limits and status codes);
the master answers ``welcome`` with the sequence number to resume after.
Then the agent sends a full snapshot (deltas with a snapshot id, then ``synced``), deltas,
journal batches and heartbeats (``reading``: protocol checks, decoding, the processor's
handlers); the master sends ``ack`` (the mark of durable journal records), periodic ``ping``
and commands (``writing``). Protocol violations end the stream with a precise status; other
sessions are unaffected. A frame over one of the master's bounds (``master.datahub.limits``)
ends the stream with RESOURCE_EXHAUSTED.

Acks are coalesced (``SessionConfig.ack_delay_s``): they free the agent's spool, nothing waits on
them, so a trickle of records is acknowledged once per delay rather than once per commit.

Journal frames are not committed inline: the reader hands their records to the session's
``GroupCommitter`` (master/ingress/committer.py) and keeps reading, so deltas and heartbeats
never queue behind the store, and frames arriving during a commit share the next one.

A session told to stop ends with ABORTED when a newer connection of its cluster took over, and
with UNAUTHENTICATED when its token was revoked or rotated meanwhile (``revalidation``).

Owns the session's lifetime and its gRPC status codes; does not own what frames do
(``master.processor``) nor which session is live per cluster (``sessions``)."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from dataclasses import dataclass, field

import grpc

from master.clusters import sharing
from master.clusters.auth import TokenLookup
from master.datahub.cluster import AgentInfo, ClusterState
from master.datahub.hub import DataHub
from master.datahub.limits import AgentLimitExceeded
from master.errors import ProtocolError
from master.ingress.acks import AckCoalescer
from master.ingress.committer import GroupCommitter, PendingBudget
from master.ingress.context import Context
from master.ingress.hello import REFUSAL_LOG_EVERY_S, accept_hello
from master.ingress.limits import FailedHellos
from master.ingress.reading import read_loop
from master.ingress.sessions import SessionRegistry, SessionSlot
from master.ingress.writing import write_loop
from master.processor.journal import JournalProcessor
from master.store.errors import StoreUnavailable
from shared.clock import now_ms
from shared.logs import RateLimited, bind, printable
from shared.pb.lookout.v1 import link_pb2

log = logging.getLogger(__name__)

# What an agent hears while the store is away (never the store's own message: it names the
# database server).
STORE_UNAVAILABLE = "the master's store is unavailable; retry later"


@dataclass(frozen=True, slots=True)
class SessionConfig:
    heartbeat_interval_s: float
    journal_batch_max: int
    hello_timeout_s: float = 10.0
    # Journal records a session may hold uncommitted, in frames of ``journal_batch_max``.
    # Past it the reader stops reading (gRPC flow control slows the agent) instead of trusting
    # the agent's own in-flight window. 4 frames pending plus as many in the commit in flight
    # matches the agent's default window (8 x 512); with 1 the single-agent SQLite ingest gain
    # of group commit was gone in the link bench.
    journal_pending_frames: int = 4
    # Pending records across all sessions of this server, in frames: 16, so ten agents at
    # full speed still read ahead while a hundred draining backlogs at once hold ~16 frames'
    # worth of decoded records rather than ~400.
    journal_budget_frames: int = 16
    # Acks wait up to this long (seconds) to be coalesced: each is a gRPC write here and a read
    # on the agent (CPU at both ends), and a command's life commits twice. An ack only lets
    # the agent free its spool (a command's outcome never waits for one), so a trickle costs
    # one ack per delay, not one per commit. 0 = ack every commit at once. An ack a frame's
    # worth of records (``journal_batch_max``) ahead of the last one sent goes at once: an
    # agent replaying a backlog stalls when its in-flight window is spent.
    ack_delay_s: float = 0.05
    # The budget itself: one per config, and a server has one config, so all its sessions
    # share it. Derived from the two fields above.
    journal_budget: PendingBudget = field(init=False)

    def __post_init__(self) -> None:
        budget = PendingBudget(self.journal_budget_frames * self.journal_batch_max)
        object.__setattr__(self, "journal_budget", budget)  # frozen: set once, here

    @property
    def journal_pending_max(self) -> int:
        return self.journal_pending_frames * self.journal_batch_max


class SessionHooks:
    """Extension points for the store (no-ops by default). They get domain values: the
    protobuf of the stream stays in ingress."""

    async def opened(self, cluster: str, *, session_id: str, agent: AgentInfo) -> None:
        return None

    async def closed(self, cluster: str, session_id: str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class StreamParts:
    """What every stream of one server shares (``LinkServer`` builds one)."""

    config: SessionConfig
    hub: DataHub
    processor: JournalProcessor
    registry: SessionRegistry
    tokens: TokenLookup
    failed_hellos: FailedHellos
    hooks: SessionHooks | None = None
    refusals_logged: RateLimited = field(default_factory=lambda: RateLimited(REFUSAL_LOG_EVERY_S))


class _Replaced(Exception):
    """Internal control flow, never raised past ``serve_stream``: the session was told to stop
    (a newer connection of the same cluster took over, or its token was revoked or rotated).
    Not a ``MasterError`` on purpose: it is no error of the agent's or ours, only the signal
    from ``_run_session`` to answer ABORTED (or UNAUTHENTICATED, ``SessionSlot.revoked``)."""


async def serve_stream(context: Context, parts: StreamParts) -> None:
    try:
        await _serve(context, parts)
    except StoreUnavailable as e:
        # The hello's token lookup, the resume mark and every journal commit need the store.
        # Without it the agent hears UNAVAILABLE, keeps its records unacknowledged and redials
        # with back-off. No line per stream here: every agent redials every few seconds, and
        # the store's probe already logs the outage once (and its end).
        log.debug("stream refused or closed, the store is unavailable: %s", e)
        await context.abort(grpc.StatusCode.UNAVAILABLE, STORE_UNAVAILABLE)


async def _serve(context: Context, parts: StreamParts) -> None:
    accepted = await accept_hello(
        context,
        timeout_s=parts.config.hello_timeout_s,
        tokens=parts.tokens,
        failures=parts.failed_hellos,
        refusals_logged=parts.refusals_logged,
    )
    hello = accepted.hello
    slot = SessionSlot(
        cluster=hello.cluster,
        session_id=uuid.uuid4().hex[:12],
        token_id=accepted.token_id,
        instance_id=hello.instance_id,
    )
    with bind(cluster=printable(hello.cluster), session=slot.session_id):
        shared = await parts.registry.claim(slot)
        state = parts.hub.ensure(hello.cluster)
        state.hold_master_finding(sharing.fingerprint(hello.cluster), shared)
        try:
            await _run_session(context, parts, hello=hello, slot=slot, state=state)
        except _Replaced:
            if slot.revoked is not None:  # its token was revoked or rotated meanwhile
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, slot.revoked)
            await context.abort(
                grpc.StatusCode.ABORTED, "replaced by a newer connection of the same cluster"
            )
        except AgentLimitExceeded as e:
            log.warning("closing stream: %s", e)
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(e))
        except ProtocolError as e:
            log.warning("closing stream: %s", e)
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        finally:
            if parts.registry.release(slot):
                state.stream_open = False
            try:
                if parts.hooks is not None:
                    await parts.hooks.closed(hello.cluster, slot.session_id)
            except StoreUnavailable:
                # The session row stays open; the hook's failure must not replace the reason
                # the stream ended.
                log.debug("session end not recorded: the store is unavailable")
            log.info("session ended")


async def _run_session(
    context: Context,
    parts: StreamParts,
    *,
    hello: link_pb2.Hello,
    slot: SessionSlot,
    state: ClusterState,
) -> None:
    resume = await _open(parts, hello=hello, slot=slot, state=state)
    await _welcome(context, parts.config, session_id=slot.session_id, resume=resume)
    log.info(
        "agent %s connected (version %s), resuming after %d",
        printable(hello.instance_id),
        printable(hello.agent_version),
        resume,
    )
    await _pump(context, parts, slot=slot, state=state, resume=resume)


async def _open(
    parts: StreamParts, *, hello: link_pb2.Hello, slot: SessionSlot, state: ClusterState
) -> int:
    """The cluster's state for a new session; returns the sequence number to resume after."""
    resume = await parts.processor.load_mark(state)
    state.reset_link()
    state.agent = agent = AgentInfo(
        session_id=slot.session_id,
        instance_id=hello.instance_id,
        version=hello.agent_version,
        capabilities=tuple(hello.capabilities),
        connected_since_ms=now_ms(),
    )
    state.stream_open = True
    parts.hub.heard(state)
    if parts.hooks is not None:
        await parts.hooks.opened(hello.cluster, session_id=slot.session_id, agent=agent)
    return resume


async def _welcome(
    context: Context, config: SessionConfig, *, session_id: str, resume: int
) -> None:
    await context.write(
        link_pb2.MasterFrame(
            welcome=link_pb2.Welcome(
                session_id=session_id,
                resume_after_seq=resume,
                config=link_pb2.AgentConfig(
                    heartbeat_interval_ms=int(config.heartbeat_interval_s * 1000),
                    max_batch_records=config.journal_batch_max,
                ),
            )
        )
    )


async def _pump(
    context: Context, parts: StreamParts, *, slot: SessionSlot, state: ClusterState, resume: int
) -> None:
    """Reader, writer and committer until one ends (or the session is replaced); the first
    error among them propagates."""
    config = parts.config
    acks = AckCoalescer(
        slot.outgoing,
        delay_s=config.ack_delay_s,
        eager=config.journal_batch_max,
        sent=resume,
    )
    committer = GroupCommitter(
        commit=functools.partial(parts.processor.handle, state),
        on_mark=acks.set_ack,
        max_pending=config.journal_pending_max,
        budget=config.journal_budget,
    )
    reader = asyncio.create_task(
        read_loop(
            context,
            state=state,
            hub=parts.hub,
            committer=committer,
            journal_batch_max=config.journal_batch_max,
        ),
        name="session-reader",
    )
    writer = asyncio.create_task(
        write_loop(context, acks=acks, slot=slot, ping_every_s=config.heartbeat_interval_s),
        name="session-writer",
    )
    # A commit error (SequenceError, store failure) ends the session like a reader error. A
    # commit already started when the session is cancelled completes inside the processor.
    commits = asyncio.create_task(committer.run(), name="session-committer")
    replaced = asyncio.create_task(slot.replaced.wait(), name="session-replaced")
    tasks = (reader, writer, commits, replaced)
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        acks.close()
    if replaced in done:
        raise _Replaced
    for task in (reader, commits, writer):
        if task in done and (exc := task.exception()) is not None:
            raise exc
