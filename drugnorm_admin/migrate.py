"""Schema migrations (Alembic revisions under migrations/) and the hanzi table they need."""
from __future__ import annotations

import contextlib
import io

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from . import hanzi
from .db import AdminError, connect
from .paths import MIGRATIONS_DIR


def _config() -> Config:
    if not (MIGRATIONS_DIR / "env.py").exists():
        raise AdminError(f"migrations not found in {MIGRATIONS_DIR}: install drugnorm-admin from a checkout "
                         "(pip install -e .)")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@contextlib.contextmanager
def _alembic(dsn: str):
    engine = create_engine("postgresql+psycopg://", creator=lambda: connect(dsn), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS drugnorm")
            conn.commit()
            cfg = _config()
            cfg.attributes["connection"] = conn
            yield cfg, conn
            conn.commit()
    finally:
        engine.dispose()


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
        with _alembic(dsn) as (cfg, _conn), contextlib.redirect_stdout(io.StringIO()):
            command.upgrade(cfg, to)
    except psycopg.Error as e:
        raise AdminError(f"migration failed, database left at revision {before}: {str(e).strip()}") from e
    after = current(dsn)
    if after != before:
        log(f"migrated {before or 'empty'} -> {after}")
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
        with _alembic(dsn) as (cfg, _conn), contextlib.redirect_stdout(io.StringIO()):
            command.downgrade(cfg, to)
    except psycopg.Error as e:
        raise AdminError(f"downgrade failed, database left at revision {before}: {str(e).strip()}") from e
    after = current(dsn)
    log(f"downgraded {before} -> {after or 'base'}")
    return after


def _warn_locale(dsn: str, log) -> None:
    with connect(dsn) as conn:
        ctype = conn.execute("SELECT datctype FROM pg_database WHERE datname = current_database()").fetchone()[0]
    if ctype in ("C", "POSIX"):
        log(f"note: this database's LC_CTYPE is {ctype}; drug_parse and drug_candidates use their own "
            "character index and work, but pg_trgm indexes (ad-hoc similarity searches) ignore Chinese here")
