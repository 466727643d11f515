"""The store's repositories: one module per aggregate, each owning its queries and writes.

- ``clusters``        ClusterRepo     registered clusters and hashed agent tokens
- ``journal``         JournalRepo     high-water marks, journal commits, agent sessions
- ``journal_commit``  JournalCommit   the unit of work of one journal commit, and the
                                      JournalBatch that stages a group's commits into rows
- ``occurrences``     the pure rules that fold findings into occurrence rows
- ``commands``        CommandRepo     commands and transitions, also as agents report them
- ``audit``           AuditRepo       audit entries (append, list; or inside another write)
- ``history``         HistoryRepo     finding occurrences and node metric series for the API
- ``users``           UserRepo        dashboard accounts
- ``rows``            the frozen shapes repositories return
- ``conversions``     domain values -> row dicts, clipped to their columns

Reads run on pooled connections of the engine; every write is a unit of work handed to the
writer (``master.store.writing``). Does not own: tables (``master.store.schema``), housekeeping
(``master.store.upkeep``)."""
