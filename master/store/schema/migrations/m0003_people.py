"""Migration 3: people. FROZEN once released.

``role_bindings`` (a role for a user, a group or an API token, globally, per cluster or per
namespace), ``api_tokens`` (automation credentials, stored as digests), ``auth_sessions`` (one
row per refresh token; a login starts a family, each refresh adds a row and marks the old one
used, so a replayed token is recognised and revokes its family), and ``users.must_change``
(the bootstrap admin is asked to change the generated password).

Own table definitions (not imports of ``tables.py``) so a later change there cannot change what
this step creates; ``checkfirst`` and a column probe make a half-applied step safe to rerun."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
Ms = BigInteger
CLUSTER = 63
NAMESPACE = 63
SUBJECT = 128
DIGEST = 64

role_bindings = Table(
    "role_bindings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject_kind", String(16), nullable=False),  # user | group | token
    Column("subject", String(SUBJECT), nullable=False),
    Column("role", String(32), nullable=False),
    Column("cluster", String(CLUSTER), nullable=False),  # "" = every cluster
    Column("namespace", String(NAMESPACE), nullable=False),  # "" = the whole cluster
    Column("created_ms", Ms, nullable=False),
    Column("created_by", String(SUBJECT), nullable=False),
    UniqueConstraint("subject_kind", "subject", "role", "cluster", "namespace"),
    Index("ix_role_bindings_subject", "subject_kind", "subject"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_id", String(32), nullable=False, unique=True),
    Column("token_hash", String(DIGEST), nullable=False),
    Column("name", String(SUBJECT), nullable=False),
    Column("owner", String(SUBJECT), nullable=False),  # the user, or the service account
    Column("owner_kind", String(16), nullable=False),  # user | service
    Column("created_by", String(SUBJECT), nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("expires_ms", Ms, nullable=True),
    Column("last_used_ms", Ms, nullable=True),
    Column("revoked_ms", Ms, nullable=True),
    Index("ix_api_tokens_owner", "owner"),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(DIGEST), nullable=False, unique=True),
    Column("family", String(32), nullable=False),
    Column("username", String(SUBJECT), nullable=False),
    Column("groups_json", Json, nullable=False),
    Column("created_ms", Ms, nullable=False),
    Column("expires_ms", Ms, nullable=False),
    Column("used_ms", Ms, nullable=True),
    Column("revoked_ms", Ms, nullable=True),
    Index("ix_auth_sessions_family", "family"),
    Index("ix_auth_sessions_user", "username"),
)


def _users_must_change(conn: Connection) -> None:
    if "must_change" not in {c["name"] for c in inspect(conn).get_columns("users")}:
        conn.execute(text("ALTER TABLE users ADD COLUMN must_change BOOLEAN NOT NULL DEFAULT 0"))


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(metadata.create_all, checkfirst=True)
    await conn.run_sync(_users_must_change)
