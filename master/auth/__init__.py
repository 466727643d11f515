"""Who may do what: users' passwords, access tokens, roles and bindings, the audit chain. Pure policy; the gateway applies it."""
