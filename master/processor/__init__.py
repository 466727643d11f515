"""⑥ Handles what sessions receive, after ingress has checked and decoded it.

    frames     HANDLERS: what each frame type does (state to the DataHub, journal to the
               session's committer)
    journal    JournalProcessor: journal records exactly once, durable before applied
    reconcile  resolving findings that cleared while the agent was away

Deliberately does not own gRPC, protobuf or the stream protocol (``master.ingress``)."""
