"""Who may do what: passwords, access tokens, roles and scoped grants, the audit chain.

Pure policy; the gateway (``master.gateway.authz``) applies it to requests."""
