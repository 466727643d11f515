"""④ The uplink: one stream to the master, re-dialed with capped, jittered backoff.

Re-dialing: full jitter over [0, ceiling], the ceiling doubling per failed attempt up to
``backoff.max_s`` (8 s by default), so a fleet that lost the master at once spreads its redials
instead of reconnecting in lockstep, and once the link heals an agent waits at most the cap
before its next try (measured through a reset storm and a partition in
tests/integration/link/test_link_faults.py; with the old 30 s cap an agent came back 20 s after a
20 s reset storm had ended). A session that stayed up ``stable_s`` resets the ceiling; a
connection that is reset at once, or that never gets a welcome, does not, however often. A
handshake the master refused waits up to ``refused_max_s`` (30 s) instead: see there why.

Per connection: hello -> welcome (resume point) -> acknowledge what the master already has ->
full snapshot + synced -> then, as they come, coalesced deltas, journal batches (replayed from
the resume point), source status and heartbeats. A receiver handles acks, pings and commands.

Resource deltas go out at most once per ``delta_window_s``, each time everything pending (the
mirror coalesces per object meanwhile): every frame costs CPU on both sides, so one frame per
watch event would be most of an idle agent's CPU (figures in bench/README.md). Journal records
(findings, command updates), source status and heartbeats never wait for the window.

Back-pressure: at most ``window`` journal records are in flight beyond the last ack, and
``call.write`` waits on HTTP/2 flow control, so a slow master slows the sender, never grows
memory (the outbox and mirror are bounded on their own)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import grpc

from agent.outbox.spool import Outbox
from agent.snapshot.mirror import Mirror
from shared.clock import now_ms
from shared.domain.commands import Command, CommandCancel
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc
from shared.retry import Backoff
from shared.wire.journal import cancel_from_pb, command_from_pb, record_to_pb
from shared.wire.refs import delta_to_pb, source_status_to_pb, synced_to_pb

log = logging.getLogger(__name__)

EOF_MARK: object = grpc.aio.EOF  # type: ignore[attr-defined]

CommandSink = Callable[[Command | CommandCancel], None]

# Handshakes the master refused: redialing soon would only be refused again.
_REFUSED = frozenset(
    {
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)


@dataclass(frozen=True, slots=True)
class UplinkConfig:
    address: str
    cluster: str
    token: Callable[[], str]  # read per connect, so a rotated mounted Secret is picked up
    agent_version: str
    instance_id: str
    credentials: grpc.ChannelCredentials | None  # None = plaintext
    options: list[tuple[str, int | str]] = field(default_factory=list)
    capabilities: tuple[str, ...] = ()
    heartbeat_interval_s: float = 5.0
    # Seconds between resource delta sends (0 = send as soon as anything changed). The first
    # change after a quiet spell goes at once; see the module docstring for why.
    delta_window_s: float = 0.25
    backoff: Backoff = field(default_factory=lambda: Backoff(initial_s=0.5, max_s=8.0))
    # A session (welcome received) up this long counts as stable: the next redial starts from
    # the initial delay again. Shorter ones (a flapping link) keep growing the delay.
    stable_s: float = 10.0
    # A handshake the master refused (bad or revoked token, too many failed hellos from this
    # address) waits up to this instead: the master keeps one bucket of failed hellos per
    # address, refilled one per 6 s by default, and a misconfigured agent redialing every ~4 s
    # on average (the 8 s cap) would empty it for every healthy agent behind the same NAT
    # address.
    refused_max_s: float = 30.0
    snapshot_chunk: int = 500
    journal_batch: int = 512
    window: int = 8 * 512
    welcome_timeout_s: float = 15.0
    drain_timeout_s: float = 5.0


class Uplink:
    def __init__(
        self,
        config: UplinkConfig,
        *,
        mirror: Mirror,
        outbox: Outbox,
        wake: asyncio.Event,
        on_command: CommandSink | None = None,
    ) -> None:
        self._cfg = config
        self._mirror = mirror
        self._outbox = outbox
        self._wake = wake
        self._on_command = on_command
        self.connected = asyncio.Event()
        self.sessions = 0
        self.reconnects = 0  # re-dials after a failed or lost connection (agent.telemetry)
        self.last_error = ""
        self._ping_echo = 0
        self._up_since: float | None = None  # monotonic start of the current session

    async def run(self, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            self._up_since = None
            refused = False
            try:
                await self._connection(stop)
            except grpc.aio.AioRpcError as e:
                self._report(e)
                refused = self._up_since is None and e.code() in _REFUSED
            except (ConnectionError, TimeoutError, OSError) as e:
                self.last_error = str(e) or type(e).__name__
                log.warning("link to %s failed: %s", self._cfg.address, self.last_error)
            if stop.is_set():
                return
            attempt = next_attempt(attempt, self._up_since, time.monotonic(), self._cfg.stable_s)
            self.reconnects += 1
            delay = redial_backoff(self._cfg, refused=refused).delay(attempt)
            try:
                async with asyncio.timeout(delay):
                    await stop.wait()
            except TimeoutError:
                pass

    @property
    def is_connected(self) -> bool:
        return self.connected.is_set()

    def _report(self, e: grpc.aio.AioRpcError) -> None:
        self.last_error = f"{e.code().name}: {e.details()}"
        if e.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
            log.error("master refused this agent: %s", e.details())
        elif e.code() == grpc.StatusCode.ABORTED:
            log.warning("master closed the stream: %s", e.details())
        else:
            log.warning("link to %s lost: %s", self._cfg.address, self.last_error)

    def _channel(self) -> grpc.aio.Channel:
        cfg = self._cfg
        if cfg.credentials is None:
            return grpc.aio.insecure_channel(cfg.address, options=cfg.options)
        return grpc.aio.secure_channel(cfg.address, cfg.credentials, options=cfg.options)

    async def _connection(self, stop: asyncio.Event) -> None:
        async with self._channel() as channel:
            call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
            try:
                welcome = await self._handshake(call)
                await self._stream(call, welcome, stop)
            finally:
                self.connected.clear()
                self._mirror.detach()
                call.cancel()

    async def _handshake(
        self, call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame]
    ) -> link_pb2.Welcome:
        cfg = self._cfg
        await call.write(
            link_pb2.AgentFrame(
                hello=link_pb2.Hello(
                    cluster=cfg.cluster,
                    agent_version=cfg.agent_version,
                    token=cfg.token(),
                    capabilities=list(cfg.capabilities),
                    instance_id=cfg.instance_id,
                )
            )
        )
        async with asyncio.timeout(cfg.welcome_timeout_s):
            first = await call.read()
        if first is EOF_MARK or not isinstance(first, link_pb2.MasterFrame):
            raise ConnectionError("master closed the stream before welcome")
        if first.WhichOneof("frame") != "welcome":
            raise ConnectionError(f"expected welcome, got {first.WhichOneof('frame')}")
        return first.welcome

    async def _stream(
        self,
        call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame],
        welcome: link_pb2.Welcome,
        stop: asyncio.Event,
    ) -> None:
        self._outbox.resume(welcome.resume_after_seq)
        self._mirror.attach()
        self.sessions += 1
        self.last_error = ""
        log.info(
            "connected to master, session %s, resuming after %d",
            welcome.session_id,
            welcome.resume_after_seq,
        )
        self._up_since = time.monotonic()
        self.connected.set()
        sender = asyncio.create_task(
            self._send_loop(call, welcome.resume_after_seq), name="uplink-send"
        )
        receiver = asyncio.create_task(self._receive_loop(call), name="uplink-receive")
        stopper = asyncio.create_task(stop.wait(), name="uplink-stop")
        tasks = (sender, receiver, stopper)
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                await self._drain()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in (receiver, sender):
            if task in done and (exc := task.exception()) is not None:
                raise exc
        if receiver in done:
            raise ConnectionError("master ended the stream")

    async def _drain(self) -> None:
        """On shutdown, give in-flight journal records a moment to be acknowledged."""
        try:
            async with asyncio.timeout(self._cfg.drain_timeout_s):
                while self._outbox.acked < self._outbox.last_seq:
                    self._wake.clear()
                    await self._wake.wait()
        except TimeoutError:
            log.warning("stopping with %d unacknowledged records", self._outbox.depth)

    async def _send_loop(
        self,
        call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame],
        cursor: int,
    ) -> None:
        cfg = self._cfg
        loop = asyncio.get_running_loop()
        next_beat = loop.time()
        next_deltas = loop.time()  # the first change after a quiet spell goes at once
        while True:
            self._wake.clear()
            sent = False
            deltas_due = False
            if self._mirror.needs_snapshot:
                # Until the sources settled, no snapshot and no deltas (the snapshot will
                # carry them); journal records and heartbeats flow meanwhile.
                if self._mirror.snapshot_ready:
                    await self._send_snapshot(call)
                    sent = True
            elif self._mirror.pending:
                if loop.time() >= next_deltas:
                    await self._send_deltas(call)
                    next_deltas = loop.time() + cfg.delta_window_s
                    sent = True
                else:
                    deltas_due = True
            statuses = self._mirror.take_status()
            if statuses:
                frame = link_pb2.AgentFrame(
                    status=link_pb2.AgentStatus(sources=[source_status_to_pb(s) for s in statuses])
                )
                await call.write(frame)
            if cursor - self._outbox.acked < cfg.window:
                records = self._outbox.after(cursor, cfg.journal_batch)
                if records:
                    batch = link_pb2.JournalBatch(records=[record_to_pb(r) for r in records])
                    await call.write(link_pb2.AgentFrame(journal=batch))
                    cursor = records[-1].last_seq
                    sent = True
            if loop.time() >= next_beat:
                await call.write(link_pb2.AgentFrame(heartbeat=self._heartbeat()))
                next_beat = loop.time() + cfg.heartbeat_interval_s
            if sent:
                await asyncio.sleep(0)  # let the receiver run between bursts
                continue
            # Journal records wake this at once; pending deltas wait for their window.
            deadline = min(next_beat, next_deltas) if deltas_due else next_beat
            try:
                async with asyncio.timeout(max(0.0, deadline - loop.time())):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _send_deltas(
        self, call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame]
    ) -> None:
        """Everything pending now, in frames of at most ``snapshot_chunk`` objects of one kind.
        Changes made while these frames are written wait for the next window, so a busy
        cluster cannot keep this loop from the journal."""
        chunk = self._cfg.snapshot_chunk
        budget = self._mirror.pending
        while budget > 0:
            deltas = self._mirror.take_deltas(min(budget, chunk))
            if not deltas:
                return  # a fresh snapshot was asked for meanwhile
            for delta in deltas:
                await call.write(link_pb2.AgentFrame(delta=delta_to_pb(delta)))
                budget -= len(delta.upserts) + len(delta.deletes)

    async def _send_snapshot(
        self, call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame]
    ) -> None:
        snap = self._mirror.snapshot(self._cfg.snapshot_chunk)
        for delta in snap.deltas:
            await call.write(link_pb2.AgentFrame(delta=delta_to_pb(delta)))
        await call.write(link_pb2.AgentFrame(synced=synced_to_pb(snap.synced)))
        log.info("snapshot %d sent: %d objects", snap.synced.snapshot_id, snap.synced.objects)

    def _heartbeat(self) -> link_pb2.Heartbeat:
        return link_pb2.Heartbeat(
            sent_ms=now_ms(),
            last_seq=self._outbox.last_seq,
            spool_depth=self._outbox.depth,
            spool_dropped=self._outbox.dropped_total,
            ping_echo_ms=self._ping_echo,
        )

    async def _receive_loop(
        self, call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame]
    ) -> None:
        while True:
            frame = await call.read()
            if frame is EOF_MARK:
                return
            assert isinstance(frame, link_pb2.MasterFrame)
            kind = frame.WhichOneof("frame")
            if kind == "ack":
                self._outbox.ack(frame.ack.seq)
                self._wake.set()
            elif kind == "ping":
                self._ping_echo = frame.ping.sent_ms
            elif kind == "command" and self._on_command is not None:
                self._on_command(command_from_pb(frame.command))
            elif kind == "cancel" and self._on_command is not None:
                self._on_command(cancel_from_pb(frame.cancel))


def next_attempt(attempt: int, up_since: float | None, now: float, stable_s: float) -> int:
    """The backoff attempt number after a connection ended: 0 (the initial delay) after a
    session that stayed up ``stable_s`` (the link was healthy: start over), else one more than
    before (a failed dial, a refused or reset handshake, or a session that flapped)."""
    if up_since is not None and now - up_since >= stable_s:
        return 0
    return attempt + 1


def redial_backoff(cfg: UplinkConfig, *, refused: bool) -> Backoff:
    """The backoff the next redial draws from: the configured one, with the longer
    ``refused_max_s`` cap after a handshake the master refused."""
    if not refused:
        return cfg.backoff
    return replace(cfg.backoff, max_s=max(cfg.backoff.max_s, cfg.refused_max_s))


__all__ = ["Uplink", "UplinkConfig", "next_attempt", "redial_backoff"]
