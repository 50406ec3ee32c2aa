"""Schema migrations (Alembic revisions under migrations/): install, upgrade, downgrade.

One transaction for the whole run, schema creation included: a failure leaves the database as it was.
Only a superuser can install plpython3u functions, and whoever owns the schema ``drugnorm`` or an object
in it could change the code every caller runs as the OS user ``postgres``: migrate refuses to work in a
schema where any object is owned by a role other than the migrating superuser.
"""
from __future__ import annotations

import contextlib
import io

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, exc, pool

from . import __version__, hanzi
from .db import AdminError, connect
from .paths import MIGRATIONS_DIR

# The unqualified wrappers in public: a role owning one of them could replace what a superuser runs.
PUBLIC_WRAPPERS = ("drug_parse", "drug_candidates", "drug_lookup", "drug_parse_review")


def _config() -> Config:
    if not (MIGRATIONS_DIR / "env.py").exists():
        raise AdminError(f"migrations not found in {MIGRATIONS_DIR}: reinstall drugnorm-admin")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


_WRAPPER_OWNERS = """
    SELECT 'function', p.oid::regprocedure::text, p.proowner::regrole::text
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY(%(wrappers)s)"""
_SCHEMA_OWNERS = _WRAPPER_OWNERS + """
    UNION ALL
    SELECT 'schema', n.nspname, n.nspowner::regrole::text FROM pg_namespace n WHERE n.nspname = 'drugnorm'
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' ELSE 'table' END,
           c.oid::regclass::text, c.relowner::regrole::text
    FROM pg_class c WHERE c.relnamespace = 'drugnorm'::regnamespace
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text, p.proowner::regrole::text
    FROM pg_proc p WHERE p.pronamespace = 'drugnorm'::regnamespace
    UNION ALL
    SELECT 'type', t.oid::regtype::text, t.typowner::regrole::text
    FROM pg_type t WHERE t.typnamespace = 'drugnorm'::regnamespace AND t.typrelid = 0 AND t.typelem = 0
    UNION ALL
    SELECT 'extension', x.extname, x.extowner::regrole::text
    FROM pg_extension x WHERE x.extnamespace = 'drugnorm'::regnamespace"""


def foreign_owners(conn) -> list[str]:
    """Objects of schema drugnorm (the schema itself included) and drugnorm's public wrappers that belong
    to a role other than the current one, as 'kind name (owned by role)'."""
    me = conn.execute("SELECT current_user::regrole::text").fetchone()[0]
    schema = conn.execute("SELECT to_regnamespace('drugnorm') IS NOT NULL").fetchone()[0]
    rows = conn.execute(_SCHEMA_OWNERS if schema else _WRAPPER_OWNERS, {"wrappers": list(PUBLIC_WRAPPERS)})
    return [f"{kind} {name} (owned by {owner})" for kind, name, owner in rows if owner != me]


def check_installer(conn) -> None:
    """Refuse, with the reason, to install or change drugnorm as anything but the superuser owning it."""
    user, superuser = conn.execute("SELECT current_user, rolsuper FROM pg_roles "
                                   "WHERE rolname = current_user").fetchone()
    if not superuser:
        raise AdminError(f"role {user} is not a superuser: drugnorm installs plpython3u functions, so a "
                         "superuser must run init/migrate (the database owner cannot; see README 'Security')")
    foreign = foreign_owners(conn)
    if foreign:
        shown = "; ".join(foreign[:5]) + (f"; and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise AdminError(f"refusing to migrate: {shown}. Whoever owns these could change the code every "
                         f"caller runs; a superuser must own all of drugnorm (as {user}: drop what you did "
                         "not install, or ALTER ... OWNER TO the installing superuser, then migrate again)")


@contextlib.contextmanager
def _alembic(dsn: str):
    engine = create_engine("postgresql+psycopg://", creator=lambda: connect(dsn), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            check_installer(conn.connection.driver_connection)
            # In the migration's transaction: a failed first install leaves no schema behind.
            conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS drugnorm")
            cfg = _config()
            cfg.attributes["connection"] = conn
            yield cfg, conn
            conn.commit()
    finally:
        engine.dispose()


def _record_release(conn) -> None:
    """Note which release of drugnorm-admin left the database at which revision (from 0.10 on)."""
    drv = conn.connection.driver_connection
    if drv.execute("SELECT to_regclass('drugnorm.release_history')").fetchone()[0] is None:
        return
    revision = drv.execute("SELECT version_num FROM drugnorm.alembic_version").fetchone()
    revision = revision[0] if revision else None
    last = drv.execute("SELECT release, revision FROM drugnorm.release_history "
                       "ORDER BY at DESC, id DESC LIMIT 1").fetchone()
    if last != (__version__, revision):
        drv.execute("INSERT INTO drugnorm.release_history (release, revision) VALUES (%s, %s)",
                    (__version__, revision))


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(dsn: str) -> str | None:
    with connect(dsn) as conn:
        exists = conn.execute("SELECT to_regclass('drugnorm.alembic_version')").fetchone()[0]
        if exists is None:
            return None
        row = conn.execute("SELECT version_num FROM drugnorm.alembic_version").fetchone()
        return row[0] if row else None


def upgrade(dsn: str, to: str = "head", log=print) -> str | None:
    before = current(dsn)
    try:
        with _alembic(dsn) as (cfg, conn), contextlib.redirect_stdout(io.StringIO()):
            command.upgrade(cfg, to)
            _record_release(conn)
    except (psycopg.Error, exc.DBAPIError) as e:
        raise AdminError(f"migration failed, database left at revision {before}: {_reason(e)}") from e
    after = current(dsn)
    if after != before:
        log(f"migrated {before or 'empty'} -> {after} (drugnorm-admin {__version__})")
    else:
        log(f"already at {after}")
    if after is not None:
        n = hanzi.ensure(dsn)
        if n:
            log(f"filled drugnorm.hanzi: {n} characters")
        _warn_locale(dsn, log)
    return after


def downgrade(dsn: str, to: str, log=print) -> str | None:
    before = current(dsn)
    try:
        with _alembic(dsn) as (cfg, conn), contextlib.redirect_stdout(io.StringIO()):
            command.downgrade(cfg, to)
            _record_release(conn)
    except (psycopg.Error, exc.DBAPIError) as e:
        raise AdminError(f"downgrade failed, database left at revision {before}: {_reason(e)}") from e
    after = current(dsn)
    log(f"downgraded {before} -> {after or 'base'}")
    return after


def _reason(e: Exception) -> str:
    return str(getattr(e, "orig", None) or e).strip()


def _warn_locale(dsn: str, log) -> None:
    with connect(dsn) as conn:
        ctype = conn.execute("SELECT datctype FROM pg_database WHERE datname = current_database()").fetchone()[0]
    if ctype in ("C", "POSIX"):
        log(f"note: this database's LC_CTYPE is {ctype}; drug_parse and drug_candidates use their own "
            "character index and work, but pg_trgm indexes (ad-hoc similarity searches) ignore Chinese here")
