"""Connections: --dsn, else DRUGNORM_DSN, else libpq's own PG* variables; or the embedded database."""
from __future__ import annotations

import os

import psycopg
from psycopg import sql


class AdminError(Exception):
    """An error the CLI reports as one clear line, without a traceback."""


def resolve_dsn(dsn: str | None) -> str | None:
    """The DSN to use, or None when nothing is configured (callers may then use the embedded database)."""
    if dsn:
        return dsn
    env = os.environ.get("DRUGNORM_DSN")
    if env:
        return env
    if any(os.environ.get(v) for v in ("PGHOST", "PGDATABASE", "PGSERVICE", "PGPORT", "PGUSER")):
        return ""  # libpq reads the PG* variables itself
    return None


def connect(dsn: str, **kw) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, **kw)
    except psycopg.OperationalError as e:
        raise AdminError(f"cannot connect to PostgreSQL ({dsn or 'PG* environment'}): {str(e).strip()}") from e


def table_column(conn, table: str, column: str):
    """(identifier of an existing TABLE or SCHEMA.TABLE, type of its COLUMN), or a clear AdminError."""
    parts = table.split(".")
    if len(parts) > 2 or not all(parts):
        raise AdminError(f"--table {table!r}: expected NAME or SCHEMA.NAME")
    if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
        raise AdminError(f"table {table} does not exist")
    typ = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
                       "AND attname = %s AND NOT attisdropped", (table, column)).fetchone()
    if typ is None:
        raise AdminError(f"table {table} has no column {column!r}")
    return sql.SQL(".").join(sql.Identifier(p) for p in parts), typ[0]
