"""The master's own Prometheus metrics: the metric objects on a per-master registry
(``metrics``) and the collectors that read live state at scrape time.

A bottom layer (only ``errors`` is below it) so every part can take a ``MasterMetrics`` and
record with one line; it imports no other master package (state it reports at scrape time
reaches it as plain callables). The only master package that imports prometheus_client
(an import-linter contract). Serving ``/metrics`` on its own port is the composition root's
job (``master.app``), with ``asgi_app`` from here."""
