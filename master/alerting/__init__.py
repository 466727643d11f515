"""⑦ The alert service: the shell around the pure alert core (``master.alerts``) and the
notify worker (``master.notify``).

    service     one task owns the AlertEngine: events in through a bounded queue (findings
                after the processor's commit, link states polled from the DataHub, API
                calls), ``due`` at the engine's wake time, each step saved with its outbox
                rows in ONE store transaction; the state restored at start
    configfile  the YAML file: read, parse (receivers too), atomic write; reload on change
    receivers   Alertmanager-style receivers → notify receivers; secret masking
    payloads    the one converter from the core's decision to notify's Notification, and
                that to / from the outbox's JSON
    outbox      notify's Outbox Protocol over the store's outbox table
    settings    MASTER_ALERTS__*

Deliberately not here: alert judgement (master.alerts), rendering and retry policy
(master.notify), tables (master.store), HTTP (master.gateway.routes)."""
