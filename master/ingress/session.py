"""⑤ One agent stream: handshake, authentication, then frames in and acks/pings/commands out.

Protocol (see proto/lookout/v1/link.proto): the first frame must be ``hello`` within
``hello_timeout``; the master answers ``welcome`` with the sequence number to resume after.
Then the agent sends a full snapshot (deltas with a snapshot id, then ``synced``), deltas,
journal batches and heartbeats; the master sends ``ack`` (the mark of durable journal records),
periodic ``ping`` and commands. Protocol violations end the stream with a precise status; other
sessions are unaffected.

Acks are coalesced (``SessionConfig.ack_delay_s``): they free the agent's spool, nothing waits on
them, so a trickle of records is acknowledged once per delay rather than once per commit.

Journal frames are not committed inline: the reader hands their records to the session's
``GroupCommitter`` (master/ingress/committer.py) and keeps reading, so deltas and heartbeats
never queue behind the store, and frames arriving during a commit share the next one."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from dataclasses import dataclass, field

import grpc

from master.clusters.auth import TokenLookup, authenticate
from master.datahub.cluster import AgentInfo, ClusterState
from master.datahub.hub import DataHub
from master.errors import AuthError, ProtocolError
from master.ingress.acks import AckCoalescer
from master.ingress.committer import GroupCommitter, PendingBudget
from master.ingress.registry import SessionRegistry, SessionSlot
from master.processor.journal import JournalProcessor
from shared.clock import now_ms
from shared.domain.commands import Command
from shared.kinds import MIRRORED
from shared.logs import bind
from shared.pb.lookout.v1 import link_pb2
from shared.wire.errors import WireError
from shared.wire.journal import cancel_to_pb, command_to_pb, record_from_pb
from shared.wire.refs import delta_from_pb, source_status_from_pb, synced_from_pb

log = logging.getLogger(__name__)

# grpc-stubs does not declare the end-of-stream sentinel.
EOF: object = grpc.aio.EOF  # type: ignore[attr-defined]

Context = grpc.aio.ServicerContext[link_pb2.AgentFrame, link_pb2.MasterFrame]


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
    # on the agent, ~0.2 ms of CPU together, and a command's life commits twice. An ack only
    # lets the agent free its spool (a command's outcome never waits for one), so a trickle
    # costs one ack per delay, not one per commit. 0 = ack every commit at once. An ack a
    # frame's worth of records (``journal_batch_max``) ahead of the last one sent goes at once:
    # an agent replaying a backlog stalls when its in-flight window is spent.
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


class _Replaced(Exception):
    pass


async def serve_stream(
    context: Context,
    *,
    config: SessionConfig,
    hub: DataHub,
    processor: JournalProcessor,
    registry: SessionRegistry,
    tokens: TokenLookup,
    on_session: SessionHooks | None = None,
) -> None:
    hello = await _read_hello(context, config)
    try:
        await authenticate(tokens, hello.cluster, hello.token)
    except AuthError as e:
        log.warning("refused agent for cluster %r: %s", hello.cluster, e)
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(e))
    slot = SessionSlot(cluster=hello.cluster, session_id=uuid.uuid4().hex[:12])
    with bind(cluster=hello.cluster, session=slot.session_id):
        await registry.claim(slot)
        state = hub.ensure(hello.cluster)
        try:
            await _run_session(context, hello, slot, state, config, hub, processor, on_session)
        except _Replaced:
            await context.abort(
                grpc.StatusCode.ABORTED, "replaced by a newer connection of the same cluster"
            )
        except ProtocolError as e:
            log.warning("closing stream: %s", e)
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        finally:
            if registry.release(slot):
                state.stream_open = False
            if on_session is not None:
                await on_session.closed(hello.cluster, slot.session_id)
            log.info("session ended")


class SessionHooks:
    """Extension points for the store and command bus (no-ops by default)."""

    async def opened(self, cluster: str, session_id: str, hello: link_pb2.Hello) -> None:
        return None

    async def closed(self, cluster: str, session_id: str) -> None:
        return None


async def _read_hello(context: Context, config: SessionConfig) -> link_pb2.Hello:
    try:
        async with asyncio.timeout(config.hello_timeout_s):
            first = await context.read()
    except TimeoutError:
        await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "no hello frame in time")
    if first is EOF or not isinstance(first, link_pb2.AgentFrame):
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "stream ended before hello")
    assert isinstance(first, link_pb2.AgentFrame)
    if first.WhichOneof("frame") != "hello":
        await context.abort(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"first frame must be hello, got {first.WhichOneof('frame') or 'an empty frame'}",
        )
    if not first.hello.cluster:
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "hello without cluster name")
    return first.hello


async def _run_session(
    context: Context,
    hello: link_pb2.Hello,
    slot: SessionSlot,
    state: ClusterState,
    config: SessionConfig,
    hub: DataHub,
    processor: JournalProcessor,
    hooks: SessionHooks | None,
) -> None:
    resume = await processor.load_mark(state)
    state.reset_link()
    state.agent = AgentInfo(
        session_id=slot.session_id,
        instance_id=hello.instance_id,
        version=hello.agent_version,
        capabilities=tuple(hello.capabilities),
        connected_since_ms=now_ms(),
    )
    state.stream_open = True
    hub.heard(state)
    if hooks is not None:
        await hooks.opened(hello.cluster, slot.session_id, hello)
    await context.write(
        link_pb2.MasterFrame(
            welcome=link_pb2.Welcome(
                session_id=slot.session_id,
                resume_after_seq=resume,
                config=link_pb2.AgentConfig(
                    heartbeat_interval_ms=int(config.heartbeat_interval_s * 1000),
                    max_batch_records=config.journal_batch_max,
                ),
            )
        )
    )
    log.info(
        "agent %s connected (version %s), resuming after %d",
        hello.instance_id,
        hello.agent_version,
        resume,
    )
    acks = AckCoalescer(
        slot.outgoing,
        delay_s=config.ack_delay_s,
        eager=config.journal_batch_max,
        sent=resume,
    )
    committer = GroupCommitter(
        commit=functools.partial(processor.handle, state),
        on_mark=acks.set_ack,
        max_pending=config.journal_pending_max,
        budget=config.journal_budget,
    )
    reader = asyncio.create_task(
        _read_loop(context, state, hub, config, committer), name="session-reader"
    )
    writer = asyncio.create_task(_write_loop(context, acks, slot, config), name="session-writer")
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


async def _write_loop(
    context: Context, out: AckCoalescer, slot: SessionSlot, config: SessionConfig
) -> None:
    """Commands, cancels, the latest ack and periodic pings, in that order. One event wakes it
    (``slot.outgoing``), cleared before looking, so nothing set meanwhile is missed."""
    ping_every = config.heartbeat_interval_s
    loop = asyncio.get_running_loop()
    next_ping = loop.time() + ping_every
    downlink = slot.downlink
    while True:
        slot.outgoing.clear()
        while not downlink.empty():
            item = downlink.get_nowait()
            frame = (
                link_pb2.MasterFrame(command=command_to_pb(item))
                if isinstance(item, Command)
                else link_pb2.MasterFrame(cancel=cancel_to_pb(item))
            )
            await context.write(frame)
        if (seq := out.take()) is not None:
            await context.write(link_pb2.MasterFrame(ack=link_pb2.Ack(seq=seq)))
        if loop.time() >= next_ping:
            await context.write(link_pb2.MasterFrame(ping=link_pb2.Ping(sent_ms=now_ms())))
            next_ping = loop.time() + ping_every
        if slot.outgoing.is_set():
            continue  # more arrived while writing
        try:
            async with asyncio.timeout(max(0.0, next_ping - loop.time())):
                await slot.outgoing.wait()
        except TimeoutError:
            pass


async def _read_loop(
    context: Context,
    state: ClusterState,
    hub: DataHub,
    config: SessionConfig,
    committer: GroupCommitter,
) -> None:
    while True:
        frame = await context.read()
        if frame is EOF:
            # The agent closed its side: what it sent is still committed, as when the reader
            # committed inline; returning first would cancel the committer with it pending.
            await committer.flush()
            return
        assert isinstance(frame, link_pb2.AgentFrame)
        hub.heard(state)
        try:
            await _dispatch(frame, state, config, committer)
        except WireError as e:
            raise ProtocolError(f"malformed {frame.WhichOneof('frame')} frame: {e}") from e


async def _dispatch(
    frame: link_pb2.AgentFrame,
    state: ClusterState,
    config: SessionConfig,
    committer: GroupCommitter,
) -> None:
    kind = frame.WhichOneof("frame")
    if kind == "journal":
        records = frame.journal.records
        if len(records) > config.journal_batch_max:
            raise ProtocolError(
                f"journal batch of {len(records)} records exceeds {config.journal_batch_max}"
            )
        # Waits only while the session's pending records are at their bound.
        await committer.put([record_from_pb(r) for r in records])
    elif kind == "delta":
        if frame.delta.kind not in MIRRORED:
            raise ProtocolError(f"resource delta for unknown kind {frame.delta.kind!r}")
        state.apply_delta(delta_from_pb(frame.delta))
    elif kind == "synced":
        state.apply_synced(synced_from_pb(frame.synced))
    elif kind == "heartbeat":
        state.spool_depth = frame.heartbeat.spool_depth
    elif kind == "status":
        for s in frame.status.sources:
            status = source_status_from_pb(s)
            state.sources[status.kind] = status
    elif kind == "hello":
        raise ProtocolError("hello sent twice on one stream")
    else:
        raise ProtocolError("empty frame")
