"""② Watchers: one module per Kubernetes kind, registered in ``registry.SOURCES``, and the
running of them: informers -> object path -> mirror (state) and detectors -> outbox (journal).

    registry.py      SOURCES (source name -> SourceSpec) and the enabled set from settings
    spec.py          SourceSpec (its row of shared.kinds, projection, defaults) and Projection
    <kind>.py        one per kind: its slim, redacted projection and quick health
    trimming.py      projection helpers every kind shares (metadata, pod templates, conditions),
                     redacting through ``agent.redaction``
    watching.py      Informer: paginated list -> watch with bookmarks -> relist on 410, backoff
    running.py       run_sources: the informers in two phases, recheck timer, "complete" record
    sinks.py         KindSink: one kind's informers (all its watch scopes) -> the object path
    pipeline.py      Pipeline, the object path: filter, index, detectors, tracker, findings
    rechecks.py      the recheck set: which objects are held, when a recheck may be skipped
    contextviews.py  slim views fed to the detectors' index (``agent.detect.context``)
    filters.py       namespace include/exclude; settings.py SourcesSettings

Deliberately not here: detector logic (``agent.detect``), the mirror (``agent.snapshot``), the
journal (``agent.outbox``); HTTP, credentials and URL paths are ``agent.kubeapi``.
"""
