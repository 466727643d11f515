"""⑦ → ⑧ The live event stream: DataHub, command-bus and alert changes pushed to dashboards.

    settings    StreamSettings (MASTER_STREAM__*): ring, caps, timings
    viewers     who sees which change (topics, cluster, grants: the list routes' rules)
    frames      one change -> one SSE frame, in the REST answers' shapes, encoded once
    streams     a stream's cursor on the change feed (resume, resync)
    registry    the open streams: the cap, drops, ending them all at shutdown
    clusters    the periodic link-status comparison that publishes cluster events
    alerts      the alert service's step observer that publishes alert events
    alert_diff  which alerts a step changed (old views against new), pure
    sending     the ASGI response: writes, heartbeats, slow clients, disconnects, shutdown

The feed itself (the ring every publisher writes once) is ``master.datahub.changes``; the
route is ``master.gateway.routes.stream``."""
