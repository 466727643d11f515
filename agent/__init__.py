"""The per-cluster agent: ① Kubernetes API -> ② sources -> ③ detect + outbox -> ④ uplink.

Also hosts the command executor (commands from the master) and the node-metrics intake."""
