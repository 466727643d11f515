"""Agent credentials: the token format (issue, hash, verify: ``tokens``) and deciding whether a
hello may open a session (``auth``). Storing, revoking and rotating tokens are the store's
(``master.store``) and the CLI's (``master.__main__``)."""
