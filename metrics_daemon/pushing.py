"""Pushing buffered samples to the local agent's ``MetricsIntake.Push``, with retry.

Owns the gRPC channel and the retry schedule; does not own sampling (``collecting``) or the
buffer's size policy (``buffering``). Samples leave the buffer only once the agent acknowledged
them, so an agent restart costs nothing but delay, up to the buffer's size.

Status handling: ``INVALID_ARGUMENT`` means the agent will never take this batch, so it is
dropped (counted, logged); everything else (agent not up yet, ``UNAUTHENTICATED`` while a token
is being rotated, ``RESOURCE_EXHAUSTED`` when its outbox is full) is retried with capped,
jittered backoff (``shared.retry.Backoff``) while the buffer keeps the newest samples."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc

from metrics_daemon.buffering import SampleBuffer
from shared.domain.metrics import NodeMetricsSample
from shared.pb.lookout.v1 import metrics_pb2 as pb
from shared.pb.lookout.v1 import metrics_pb2_grpc as pb_grpc
from shared.retry import Backoff
from shared.wire.metrics import sample_to_pb

log = logging.getLogger(__name__)

MAX_BATCH = 40  # one buffer's worth: at ~2 KB a sample, far below gRPC's 4 MiB limit


class Pusher:
    def __init__(
        self,
        *,
        address: str,
        buffer: SampleBuffer,
        token: str | None = None,
        timeout_s: float = 5.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._address = address
        self._buffer = buffer
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        self._timeout = timeout_s
        self._backoff = backoff or Backoff(initial_s=1.0, max_s=30.0)
        self._failures = 0
        self._reported_dropped = 0
        self.rejected = 0  # samples the agent refused as invalid (cumulative)
        self.delivered = 0  # samples acknowledged by the agent (cumulative)

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def _channel(self) -> grpc.aio.Channel:
        max_ms = int(self._backoff.max_s * 1000)
        return grpc.aio.insecure_channel(
            self._address,
            options=[
                # Let our Backoff drive retries: grpc's own reconnect backoff grows to 120 s.
                ("grpc.initial_reconnect_backoff_ms", 500),
                ("grpc.min_reconnect_backoff_ms", 500),
                ("grpc.max_reconnect_backoff_ms", max_ms),
            ],
        )

    async def run(self, stop: asyncio.Event, *, flush_timeout_s: float = 2.0) -> None:
        """Push until ``stop``; then one last attempt, bounded by ``flush_timeout_s``."""
        async with self._channel() as channel:
            stub = pb_grpc.MetricsIntakeStub(channel)
            while not stop.is_set():
                if not await self._buffer.wait_nonempty(timeout_s=1.0):
                    continue
                if await self._push_once(stub, timeout_s=self._timeout):
                    continue
                delay = self._backoff.delay(self._failures - 1)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
            if len(self._buffer):
                await self._push_once(stub, timeout_s=flush_timeout_s)

    async def _push_once(self, stub: pb_grpc.MetricsIntakeAsyncStub, *, timeout_s: float) -> bool:
        batch = self._buffer.peek(MAX_BATCH)
        request = pb.NodeMetricsBatch(samples=[sample_to_pb(s) for s in batch])
        try:
            ack = await stub.Push(request, timeout=timeout_s, metadata=self._metadata)
        except grpc.aio.AioRpcError as e:
            return self._on_error(batch, e)
        self._buffer.remove(batch)
        self.delivered += ack.accepted
        if self._failures:
            log.info("agent intake reachable again after %d failed pushes", self._failures)
            self._failures = 0
        self._report_dropped()
        return True

    def _on_error(self, batch: tuple[NodeMetricsSample, ...], e: grpc.aio.AioRpcError) -> bool:
        code = e.code()
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            self._buffer.remove(batch)
            self.rejected += len(batch)
            log.error("agent rejected %d samples: %s", len(batch), e.details())
            return True
        self._failures += 1
        if self._failures == 1 or code == grpc.StatusCode.UNAUTHENTICATED:
            log.warning(
                "push to %s failed (%s: %s); keeping %d samples and retrying",
                self._address,
                code.name,
                e.details(),
                len(self._buffer),
            )
        return False

    def _report_dropped(self) -> None:
        dropped = self._buffer.dropped
        if dropped > self._reported_dropped:
            log.warning(
                "buffer was full: %d oldest samples dropped (%d since start)",
                dropped - self._reported_dropped,
                dropped,
            )
            self._reported_dropped = dropped
