"""⑧→④ The command bus: validated, persisted, audited commands sent to agents and tracked to
a terminal state.

    catalogue  the command types, their parameter schemas and allowed target kinds
    requests   validation of one HTTP request against the catalogue (pure)
    bus        CommandBus: create / cancel / wait, deadlines, (re)send after reconnect

Deliberately does not own HTTP (``master.gateway.routes.commands``) or storage
(``master.store.commands``); the agent re-validates everything on its side."""
