"""The store's schema: the tables as the code expects them now, and how a database gets there.

- ``tables``      the current shape of every table (SQLAlchemy Core ``Table`` objects)
- ``migrations``  the numbered, frozen steps, listed in ``MIGRATIONS``
- ``migrating``   applying the missing steps at start-up, refusing a newer schema

Does not own: connecting (``master.store.engine``) or any query."""
