"""② Watchers: one module per Kubernetes kind, registered in ``registry.SOURCES``.

    registry.py      SOURCES (source name -> SourceSpec) and the enabled set from settings
    spec.py          SourceSpec (its row of shared.kinds, projection, defaults) and Projection
    <kind>.py        one per kind: its slim, redacted projection and quick health
    trimming.py      the redaction rules every projection shares (env values, managedFields...)
    watching.py      Informer: paginated list -> watch with bookmarks -> relist on 410, backoff
    sinks.py         KindSink: one kind's informers -> the object path -> the mirror
    contextviews.py  slim views kept for the detectors' lookups; lookups.py indexes them
    filters.py       namespace include/exclude; settings.py SourcesSettings

The object path itself (detectors, tracker, outbox, mirror) is wired in ``agent.pipeline`` and
run by ``agent.sourcing``;
HTTP, credentials and URL paths are ``agent.kubeapi``.
"""
