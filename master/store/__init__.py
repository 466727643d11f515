"""⑦ The SQL history store (SQLite by default, MySQL/MariaDB) through SQLAlchemy async Core."""
