"""Commands from the master, one module per command, listed in COMMANDS (``registry``).

    uplink ─▶ Executor.submit (enqueue only) ─▶ running: dedupe · deadline · target · policy ─▶
    commands/<type>.run(ctx) ─▶ guard (every write) ─▶ client (agent.kubeapi) ─▶
    CommandUpdate ─▶ outbox

The cluster does not trust the master: ``policy`` (command types, namespaces, protected
namespaces), ``images`` (which images set_image may bring in) and ``guard`` (what each
command's writes may change) hold whatever the master sends.

Errors (``errors``)::

    AgentError
    ├── CommandFailure        -- a command ended in failure; carries error_code + message
    │                            (policy refusals, deadlines, Kubernetes API errors, refusals)
    └── RegistryMismatch      -- ``registry.RUN`` and the shared catalogue name different
                                 commands (raised at import: a build that cannot start)

Deliberately does not own the link (results leave through the outbox, never lost) or the
master's state machine; it only reports running/succeeded/failed/timed_out/cancelled."""
