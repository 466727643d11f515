"""⑤ The gRPC server agents dial: authentication, one session per cluster, frames in and out.

    server       LinkServer: AgentLink, health and reflection, TLS, keepalive, phased stop
    credentials  gRPC server credentials from the TLS settings
    sessions     the live session per cluster (takeover) and the command downlink into it
    revalidation live sessions end once their token is revoked or rotated (periodic check)
    stream       one stream: hello, authentication, welcome, the session's lifetime
    reading      frames in: protocol checks, protobuf -> domain, the processor's handlers
    writing      frames out: commands, cancels, acks, pings
    committer    group commit of a session's journal records (flow control)
    acks         when the agent is told what is durable
    context      the stream's gRPC context type and end-of-stream sentinel

Deliberately does not own what a frame does to state or history (``master.processor``)."""
