"""Remediation with approval: from a finding to a fix a person (or a guarded policy) allowed,
and back to the finding to see whether the fix worked.

Pure core (inputs including ``now`` → decisions; no store, bus, clock or HTTP):

    suggestions    SUGGESTIONS: one row per finding reason → the suggested command, why, the
                   evidence it rests on, and the inverse action
    policy         who may approve where (roles, one or two approvers, two-person rule,
                   expiry, single use) and the opt-in auto-approval with its rate limit and
                   circuit breaker
    verification   after the command succeeded: resolved | no_effect | worse | pending
    states         the remediation's life cycle and which moves it allows

Shell: ``service`` (findings in, evidence from the DataHub mirror, preview and run through the
command bus, verification on a timer, every change stored with its audit entry).

Deliberately not here: HTTP (``master.gateway.routes.remediations``), SQL (the store's
``remediations`` repository), executing anything on a cluster (the agent's executor)."""
