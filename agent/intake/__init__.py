"""Node metrics intake: the MetricsIntake gRPC service the per-node daemons push to.

    settings.py   IntakeSettings (listen address, optional shared token)
    servicer.py   MetricsIntakeServicer: auth, pb -> domain, hand-off to ``on_samples``
    serving.py    serve_intake / IntakeServer: the grpc.aio server around it

Owns the node-local hop only. What happens to the samples afterwards (journal outbox, uplink)
is the caller's ``on_samples`` callback; this package never imports the outbox."""
