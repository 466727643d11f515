"""Node metrics sample conversions."""

from __future__ import annotations

from shared.domain.metrics import DiskIO, Filesystem, Memory, NetIface, NodeMetricsSample
from shared.pb.lookout.v1 import metrics_pb2 as pb
from shared.wire.errors import WireError
from shared.wire.flat import build, values_of


def sample_to_pb(s: NodeMetricsSample) -> pb.NodeMetricsSample:
    msg = pb.NodeMetricsSample(
        node=s.node,
        at_ms=s.at_ms,
        cpu_percent=s.cpu_percent,
        per_core_percent=list(s.per_core_percent),
        load1=s.load1,
        load5=s.load5,
        load15=s.load15,
        memory=pb.Memory(**values_of(s.memory)),
        disks=[pb.DiskIO(**values_of(d)) for d in s.disks],
        filesystems=[pb.Filesystem(**values_of(f)) for f in s.filesystems],
        interfaces=[pb.NetIface(**values_of(n)) for n in s.interfaces],
        uptime_s=s.uptime_s,
    )
    if s.cpu_temp_c is not None:
        msg.cpu_temp_c = s.cpu_temp_c
    return msg


def sample_from_pb(msg: pb.NodeMetricsSample) -> NodeMetricsSample:
    if not msg.node:
        raise WireError("node metrics sample without node name")
    return NodeMetricsSample(
        node=msg.node,
        at_ms=msg.at_ms,
        cpu_percent=msg.cpu_percent,
        per_core_percent=tuple(msg.per_core_percent),
        load1=msg.load1,
        load5=msg.load5,
        load15=msg.load15,
        memory=build(Memory, msg.memory),
        disks=tuple(build(DiskIO, d) for d in msg.disks),
        filesystems=tuple(build(Filesystem, f) for f in msg.filesystems),
        interfaces=tuple(build(NetIface, n) for n in msg.interfaces),
        uptime_s=msg.uptime_s,
        cpu_temp_c=msg.cpu_temp_c if msg.HasField("cpu_temp_c") else None,
    )
