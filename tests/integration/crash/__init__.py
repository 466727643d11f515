"""Crash-point tests: real ``python -m master`` / ``python -m agent`` / ``python -m
metrics_daemon`` / ``python -m kubesim`` processes under mixed load, killed with SIGKILL at
seeded random moments (``procs``: the processes; ``load``: the traffic; ``ledger``: what the
store says afterwards and the invariants over it)."""
