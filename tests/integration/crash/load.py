"""The traffic a crash test runs under, each generator keeping its own account of what the
system acknowledged, for the invariants to hold the store to.

- ``SamplePusher`` plays a node daemon on the agent's MetricsIntake: one sample per push, each
  with a fresh ``at_ms``. A push the intake acknowledged is the agent's promise (its spool has
  the record); a push that failed is never retried with the same ``at_ms``, so it is "maybe
  sent" and the store may or may not hold it, but never twice.
- ``CommandSender`` asks the gateway for ``rollout_restart`` of one Deployment, each with its
  own idempotency key. A request that got no answer (the master died under it) is asked again
  with the same key until it gets one, so every command the test wanted has exactly one id.
- ``KeyedReceiver``: a webhook receiver that honours ``X-Lookout-Idempotency-Key`` — the first
  request with a key is the delivery, a later one with the same key a harmless resend."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field

import grpc
import httpx

from shared.domain.metrics import NodeMetricsSample
from shared.pb.lookout.v1 import metrics_pb2 as pb
from shared.pb.lookout.v1 import metrics_pb2_grpc as pb_grpc
from shared.wire.metrics import sample_to_pb
from tests.integration.notify.peers import Received, Receiver

IDEMPOTENCY_HEADER = "X-Lookout-Idempotency-Key"


class SamplePusher:
    def __init__(self, intake: str, node: str, *, every_s: float = 0.02) -> None:
        self.intake, self.node, self.every_s = intake, node, every_s
        self.acked: set[int] = set()
        self.maybe: set[int] = set()
        self._at = itertools.count(int(time.time() * 1000) - 3_600_000)  # unique, plausible

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            async with grpc.aio.insecure_channel(self.intake) as channel:
                stub = pb_grpc.MetricsIntakeStub(channel)
                while not stop.is_set():
                    at = next(self._at)
                    batch = pb.NodeMetricsBatch(
                        samples=[sample_to_pb(NodeMetricsSample(self.node, at))]
                    )
                    try:
                        await stub.Push(batch, timeout=2)
                    except grpc.aio.AioRpcError:
                        self.maybe.add(at)
                        await asyncio.sleep(0.1)
                        break  # a fresh channel: the agent may be a new process
                    self.acked.add(at)
                    await asyncio.sleep(self.every_s)


@dataclass
class CommandSender:
    base: str
    headers: dict[str, str]
    target: dict[str, str]
    every_s: float = 1.1  # past restarted_at's one-second resolution
    ids: dict[str, str] = field(default_factory=dict)  # idempotency key -> command id

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers, timeout=5) as http:
            for n in itertools.count():
                if stop.is_set():
                    return
                key = f"crash-{n}"
                body = {"type": "rollout_restart", "target": self.target, "idempotency_key": key}
                while key not in self.ids:  # the same key until the gateway answers
                    with contextlib.suppress(httpx.TransportError):
                        r = await http.post("/api/v1/clusters/edge/commands", json=body)
                        if r.status_code in (200, 202):
                            self.ids[key] = r.json()["id"]
                            break
                        assert r.status_code >= 500, r.text  # 503 while starting is fine
                    await asyncio.sleep(0.1)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.every_s)


class KeyedReceiver(Receiver):
    @property
    def by_key(self) -> dict[str, list[Received]]:
        out: dict[str, list[Received]] = {}
        for r in self.received:
            out.setdefault(r.headers.get(IDEMPOTENCY_HEADER, ""), []).append(r)
        return out

    def deliveries(self) -> list[Received]:
        """What a receiver that honours the key acted on: the first request of each key."""
        return [reqs[0] for reqs in self.by_key.values()]
