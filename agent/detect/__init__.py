"""③ Pure detectors: raw object + now -> findings. One module per family, listed in DETECTORS.

    registry.py     DETECTORS (kind -> detector) and ``detect(kind, obj, now=, settings=, ctx=)``
    rules.py        RULES: reason -> severity, category, gating setting; ALIASES (data only)
    settings.py     DetectSettings: every threshold and duration, documented
    pods.py nodes.py workloads.py jobs.py network.py storage.py autoscaling.py events.py
                    the detectors, one family each
    making.py       Scope/Reporter handed to detectors; the fingerprint recipe
    context.py      Context protocol (get/select/owned/restarts_since/known_gone),
                    IndexContext (the one index: scan and the agent feed it), owner chain
    tracker.py      Tracker: findings -> journal records (new, changed, resolved)
    history.py      RestartHistory for restart storms (owned by the tracker)
    objects.py      TypedDicts of the raw Kubernetes objects (only the fields read here)
    selectors.py    label selector matching; times.py: timestamps and ``now``

Nothing here does I/O or reads a clock; ``agent.scan`` and the agent pipeline are the shells.
"""
