"""Per-node metrics daemon: pure /proc parsers + thin readers, rates from deltas, push to the agent."""
