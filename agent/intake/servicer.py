"""``MetricsIntake.Push``: check the caller, convert the batch, hand it to ``on_samples``.

Status mapping (the daemon retries everything but INVALID_ARGUMENT):

- wrong or missing token when one is configured -> ``UNAUTHENTICATED``
- a sample without node name, or a batch over the size cap -> ``INVALID_ARGUMENT``; nothing
  of the batch is handed on (all or nothing, so a retry never duplicates half a batch)
- ``on_samples`` raising ``IntakeBusy`` (the agent's outbox is full) -> ``RESOURCE_EXHAUSTED``,
  and the daemon keeps the samples in its own buffer meanwhile
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

import grpc

from agent.intake.errors import IntakeBusy
from shared.domain.metrics import NodeMetricsSample
from shared.pb.lookout.v1 import metrics_pb2 as pb
from shared.pb.lookout.v1 import metrics_pb2_grpc as pb_grpc
from shared.wire.errors import WireError
from shared.wire.metrics import sample_from_pb

OnSamples = Callable[[tuple[NodeMetricsSample, ...]], None]


def token_matches(metadata: tuple[tuple[str, str | bytes], ...], token: str) -> bool:
    """Constant-time check of an ``authorization: Bearer <token>`` header."""
    expected = f"Bearer {token}".encode()
    for key, value in metadata:
        if key.lower() == "authorization":
            got = value if isinstance(value, bytes) else value.encode()
            return hmac.compare_digest(got, expected)
    return False


class MetricsIntakeServicer(pb_grpc.MetricsIntakeServicer):
    def __init__(
        self, on_samples: OnSamples, *, token: str | None = None, max_samples: int = 1000
    ) -> None:
        self._on_samples = on_samples
        self._token = token or None
        self._max = max_samples

    async def Push(
        self, request: pb.NodeMetricsBatch, context: grpc.aio.ServicerContext[object, object]
    ) -> pb.PushAck:
        if self._token is not None:
            metadata = tuple(context.invocation_metadata() or ())
            if not token_matches(metadata, self._token):
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad or missing intake token")
        if len(request.samples) > self._max:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"batch of {len(request.samples)} samples exceeds {self._max}",
            )
        try:
            samples = tuple(sample_from_pb(s) for s in request.samples)
        except WireError as e:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        if samples:
            try:
                self._on_samples(samples)
            except IntakeBusy as e:
                await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(e) or "intake busy")
        return pb.PushAck(accepted=len(samples))
