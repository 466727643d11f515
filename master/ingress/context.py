"""⑤ The gRPC side of one agent stream as the session modules see it: its context type and
the end-of-stream sentinel. Nothing else; the protocol is in ``stream``/``reading``."""

from __future__ import annotations

import grpc

from shared.pb.lookout.v1 import link_pb2

# grpc-stubs does not declare the end-of-stream sentinel.
EOF: object = grpc.aio.EOF  # type: ignore[attr-defined]

Context = grpc.aio.ServicerContext[link_pb2.AgentFrame, link_pb2.MasterFrame]
