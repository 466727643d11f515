"""The one place that converts domain types <-> protobuf messages (stage ④ boundary).

Owns: encoding and decoding of every wire message. Deliberately owns no I/O: the agent uplink
and the master ingress call these functions on each side of the stream."""
