"""Connections: --dsn, else DRUGNORM_DSN, else libpq's own PG* variables; or the embedded database."""
from __future__ import annotations

import os

import psycopg


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
