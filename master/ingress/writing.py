"""⑤ A session's writer: commands, cancels, the latest ack and periodic pings to the agent.

Deliberately not here: when an ack is due (``acks.AckCoalescer``), what a command is (the
command bus queues them on the session slot), anything read from the agent (``reading``)."""

from __future__ import annotations

import asyncio

from master.ingress.acks import AckCoalescer
from master.ingress.context import Context
from master.ingress.sessions import SessionSlot
from shared.clock import now_ms
from shared.domain.commands import Command
from shared.pb.lookout.v1 import link_pb2
from shared.wire.journal import cancel_to_pb, command_to_pb


async def write_loop(
    context: Context, *, acks: AckCoalescer, slot: SessionSlot, ping_every_s: float
) -> None:
    """Commands, cancels, the latest ack and periodic pings, in that order. One event wakes it
    (``slot.outgoing``), cleared before looking, so nothing set meanwhile is missed."""
    loop = asyncio.get_running_loop()
    next_ping = loop.time() + ping_every_s
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
        if (seq := acks.take()) is not None:
            await context.write(link_pb2.MasterFrame(ack=link_pb2.Ack(seq=seq)))
        if loop.time() >= next_ping:
            await context.write(link_pb2.MasterFrame(ping=link_pb2.Ping(sent_ms=now_ms())))
            next_ping = loop.time() + ping_every_s
        if slot.outgoing.is_set():
            continue  # more arrived while writing
        try:
            async with asyncio.timeout(max(0.0, next_ping - loop.time())):
                await slot.outgoing.wait()
        except TimeoutError:
            pass
