"""Node metrics intake: the MetricsIntake gRPC service the per-node daemons push to."""
