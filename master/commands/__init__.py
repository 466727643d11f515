"""⑧→④ The command bus: validated, persisted, audited commands sent to agents and tracked to
a terminal state.

    requests   validation of one HTTP request against the catalogue (pure); the catalogue
               itself (types, params, target kinds) is ``shared.commands``, shared with the agent
    bus        CommandBus: create / cancel / wait, deadlines, (re)send after reconnect

Deliberately does not own HTTP (``master.gateway.routes.commands``) or storage
(``master.store.repositories.commands``); the agent re-validates everything on its side."""
