"""Per-node metrics daemon (one per node; feeds the agent, which journals to the master).

    proc/          pure parsers of /proc and /sys files (text -> frozen dataclasses)
    reading.py     thin readers under the configured proc/sys/rootfs roots -> Reading
    rates.py       pure deltas: CPU %, disk and network rates, counter wrap and reset
    collecting.py  two Readings -> NodeMetricsSample; the sampling schedule
    buffering.py   bounded buffer between collector and pusher (oldest dropped, counted)
    pushing.py     MetricsIntake.Push client with retry
    settings.py    MetricsSettings (METRICS_*)
    app.py         composition root: run(settings, stop)

Deliberately lean: grpc + protobuf + pydantic-settings only (no kubernetes, FastAPI or
SQLAlchemy), so the daemon's memory and CPU stay small on every node (``bench metrics_daemon``
measures both)."""
