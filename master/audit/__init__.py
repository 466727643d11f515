"""The audit log's tamper evidence: a hash chain over its entries, and reading it back.

    chain       pure: the canonical content of an entry, its SHA-256, and the verifier that
                names the first altered, missing, inserted or reordered entry
    exporting   pure: entries as JSON lines or CSV, one page at a time
    commands    ``lookout-master audit verify|export`` over the log handed in as a port

Sits below the store (which hashes each entry as it writes it) and knows no table: rows reach it
as plain values. What it deliberately does not own: writing, locking the chain's head, reading
pages (``master.store.repositories.audit``), or the HTTP route (``master.gateway.routes.audit``)."""
