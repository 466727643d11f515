"""The agent's own Prometheus metrics (``metrics``) and the small HTTP server that serves them
on ``metrics_listen`` (``serving``).

A bottom layer: it imports no other agent package; the parts it reports on reach it as small
protocols and are read at scrape time, so their counters stay plain ints and cannot drift from
what is exported. The only agent package that imports prometheus_client (an import-linter
contract)."""
