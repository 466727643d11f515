"""The MariaDB fixtures (a real server per session) for the store-outage test."""

from tests.mariadb import mariadb_dsn, mariadb_server

__all__ = ["mariadb_dsn", "mariadb_server"]
