"""② Ingress metrics: the agent's scraper of ingress / gateway controllers' own Prometheus
exposition, the raw material of SLOs (issue 18).

Pure cores, thin shell:

* ``readings`` -- the domain shapes: a series key (service/route) and its cumulative reading.
* ``parsing`` -- exposition text → samples, through ``prometheus_client.parser`` (never by hand).
* ``sources`` -- one module per controller family, listed in ``sources.SOURCES``; each maps
  samples to readings per key.
* ``deltas`` -- cumulative readings of successive scrapes → per-interval deltas, with counter
  resets, target restarts and missed scrapes handled.
* ``discovery`` -- controller pods → scrape targets (pure; the Kubernetes watch comes later).
* ``records`` -- deltas → ``IngressSample`` journal records.
* ``scraper`` -- the async shell: fetch, parse, delta, backoff, ``IngressMetricsUnavailable``.

It deliberately does not own the journal (``agent.outbox``) nor the master's SLO maths.
"""
