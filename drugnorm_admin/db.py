"""Connections: --dsn, else DRUGNORM_DSN, else libpq's own PG* variables; or the embedded database."""
from __future__ import annotations

import dataclasses
import os

import psycopg
from psycopg import sql

from .masking import mask_dsn


class AdminError(Exception):
    """An error the CLI reports as one clear line, without a traceback."""


# Where the server's WARNINGs go (drugnorm-admin sets it to its stderr; a library caller sees none, as before):
# a setting ignored (drugnorm.k = 'ten', a misspelled drugnorm.* name), an attach trigger's NULL result.
show_warning = None

NOT_INITIALISED = "database not initialised: run `drugnorm-admin init`"


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
        conn = psycopg.connect(dsn, **kw)
    except psycopg.OperationalError as e:
        # one line, and the password masked as libpq's tools do (password=*** / user:***@host)
        raise AdminError(f"cannot connect to PostgreSQL ({mask_dsn(dsn) or 'PG* environment'}): "
                         f"{' '.join(str(e).split())}") from e
    if show_warning is not None:
        sink = show_warning
        conn.add_notice_handler(lambda d: sink(d.message_primary) if d.severity_nonlocalized == "WARNING" else None)
    return conn


def require_schema(dsn: str) -> None:
    """A clear AdminError unless drugnorm is installed in the database (its tables exist: migrate ran).
    Reads the catalogs only, so it works for every role and changes nothing."""
    with connect(dsn) as conn:
        installed = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = "
                                 "c.relnamespace WHERE n.nspname = 'drugnorm' AND c.relname = 'state')").fetchone()[0]
        if not installed:
            db = conn.execute("SELECT current_database()").fetchone()[0]
    if not installed:
        raise AdminError(f"{NOT_INITIALISED} (drugnorm is not installed in database {db}; init and migrate "
                         "must run as a superuser)")


@dataclasses.dataclass(frozen=True)
class Table:
    """One table, resolved once: every later statement uses its OID or its schema and name."""
    oid: int
    schema: str
    name: str
    owner: str
    owner_is_superuser: bool
    display: str        # as psql would print it: schema.name, quoted where needed

    @property
    def ident(self) -> sql.Composed:
        return sql.Identifier(self.schema, self.name)

    def __str__(self) -> str:
        return self.display


def _errline(e: psycopg.Error) -> str:
    diag = getattr(e, "diag", None)
    return (diag.message_primary if diag is not None and diag.message_primary else str(e)).strip().splitlines()[0]


def max_identifier_length(conn) -> int:
    return int(conn.execute("SELECT current_setting('max_identifier_length')").fetchone()[0])


def check_name(conn, option: str, name: str) -> str:
    """A column name as given (exact: no case folding, no quotes), or a clear AdminError."""
    if not name:
        raise AdminError(f"{option}: empty name")
    if "\x00" in name:
        raise AdminError(f"{option} {name!r}: NUL character in a name")
    limit = max_identifier_length(conn)
    if len(name.encode()) > limit:
        raise AdminError(f"{option} {name!r}: longer than PostgreSQL's {limit} bytes for a name "
                         f"({len(name.encode())} bytes); it would be truncated")
    return name


def resolve_table(conn, table: str) -> Table:
    """Parse --table the way psql and SQL do (NAME or SCHEMA.NAME; unquoted parts fold to lower case, "quoted"
    parts keep their case and may hold dots and doubled quotes) and resolve it to one existing table."""
    if not table or not table.strip():
        raise AdminError("--table: empty name")
    if "\x00" in table:
        raise AdminError(f"--table {table!r}: NUL character in a name")
    try:
        with conn.transaction():
            parts = conn.execute("SELECT parse_ident(%s)", (table,)).fetchone()[0]
    except psycopg.Error as e:
        raise AdminError(f"--table {table!r}: not a valid table name ({_errline(e)}); expected NAME or "
                         'SCHEMA.NAME, with "double quotes" around a part that keeps upper case or dots') from None
    if len(parts) > 2:
        raise AdminError(f"--table {table!r}: expected NAME or SCHEMA.NAME, got {len(parts)} parts")
    limit = max_identifier_length(conn)
    for p in parts:
        if len(p.encode()) > limit:
            raise AdminError(f"--table {table!r}: {p!r} is longer than PostgreSQL's {limit} bytes for a name")
    shown = conn.execute("SELECT string_agg(quote_ident(p), '.' ORDER BY i) FROM unnest(%s::text[]) "
                         "WITH ORDINALITY u(p, i)", (parts,)).fetchone()[0]
    row = conn.execute(
        """SELECT c.oid::bigint, n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner), r.rolsuper,
                  format('%%I.%%I', n.nspname, c.relname)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
           WHERE c.oid = to_regclass(%s)""", (shown,)).fetchone()
    if row is None:
        hint = ""
        if len(parts) == 1 and parts[0] != table.strip() and not table.strip().startswith('"'):
            hint = f' (unquoted names fold to lower case: write \'"{table.strip()}"\' for a mixed-case name)'
        raise AdminError(f"table {shown} does not exist{hint}")
    oid, schema, name, kind, owner, owner_super, display = row
    if kind not in ("r", "p"):
        what = {"v": "a view", "m": "a materialized view", "f": "a foreign table", "i": "an index",
                "S": "a sequence", "c": "a composite type"}.get(kind, f"not a table (relkind {kind})")
        raise AdminError(f"{display} is {what}, not a table")
    return Table(oid, schema, name, owner, owner_super, display)


def column_info(conn, tbl: Table, column: str):
    """(type, generated) of an existing column (system columns included), or None."""
    return conn.execute("SELECT format_type(atttypid, atttypmod), attgenerated <> '' FROM pg_attribute "
                        "WHERE attrelid = %s AND attname = %s AND NOT attisdropped", (tbl.oid, column)).fetchone()


def no_column(conn, tbl: Table, column: str) -> AdminError:
    """The error for a column that does not exist, with a hint when only its case differs."""
    near = conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped "
                        "AND lower(attname) = lower(%s) ORDER BY attnum LIMIT 1", (tbl.oid, column)).fetchone()
    hint = f" (column names are exact: did you mean {near[0]!r}?)" if near else ""
    return AdminError(f"table {tbl} has no column {column!r}{hint}")


def table_column(conn, table: str, column: str):
    """(the resolved table, type of its COLUMN), or a clear AdminError."""
    tbl = resolve_table(conn, table)
    check_name(conn, "--column", column)
    info = column_info(conn, tbl, column)
    if info is None:
        raise no_column(conn, tbl, column)
    return tbl, info[0]
