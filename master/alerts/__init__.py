"""⑦ alerts: the pure judgement between findings and notifications.

Findings (opened / changed / resolved), cluster link changes and generic signals (node-metric
thresholds, SLO burn) come in as events; notification *decisions* come out, with the time the
caller should come back. Nothing here reads a clock, touches a socket or a table, or starts a
task: every function takes ``now_ms``, and the master's shell persists the state and writes the
decisions to the notification outbox in one transaction (ARCHITECTURE.md, point 11).

    events.py         what comes in: FindingEvent, LinkEvent, AlertSignal
    labels.py         label sets; the labels of a finding
    matchers.py       =, !=, =~, !~ matchers (Alertmanager syntax, anchored regexes)
    durations.py      Prometheus durations (``1h30m``)
    yamlsource.py     YAML with line numbers, so config errors name the line
    intake.py         events → observations: fingerprints, labels, annotations
    config.py         the alerting config model (Alertmanager's route, inhibit_rules,
                      time_intervals, receivers; Lookout's rules) and its loader
    refusals.py       the Alertmanager keys Lookout refuses by name, and why
    timeintervals.py  time_intervals evaluated in a zone
    rules.py          Lookout's per-reason overrides (severity, ``for``, disabled, flap damping)
    state.py          per-fingerprint alert state: pending → firing → resolved, flapping, acks
    silences.py       silences: matchers, start/end, author, comment
    inhibit.py        configured inhibit rules and the built-in topology rules
    routing.py        the route tree: first match, ``continue``, inherited options
    grouping.py       aggregation groups: group_wait / group_interval / repeat_interval
    notifications.py  the Notification decision and its idempotency key
    placement.py      the index of which alert sits in which group (derived, not persisted)
    engine.py         AlertEngine: observe(event), due(now_ms), ack, silences, snapshot/restore
    noise.py          noise counters per rule and receiver

Deliberately not here: delivery, channel payloads and retries (``master.notify``), persistence
(``master.store``), HTTP (``master.gateway``).

Errors::

    MasterError (master.errors)
    └── AlertsError
        ├── AlertConfigError   -- the config text is refused; ``problems`` name file, line, field
        ├── MatcherError       -- a matcher string does not parse (also a ValueError)
        ├── SilenceError       -- a silence that cannot be made (no matcher, ends before start)
        └── UnknownAlert       -- ack/unack of a fingerprint the engine does not hold
"""
