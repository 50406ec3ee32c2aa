"""Schema migrations (Alembic revisions under migrations/): install, upgrade, downgrade.

One transaction for the whole run, schema creation included: a failure leaves the database as it was.
Only a superuser can install plpython3u functions, and whoever owns the schema ``drugnorm`` or an object
in it could change the code every caller runs as the OS user ``postgres``: migrate refuses to work in a
schema where any object is owned by a role other than the migrating superuser.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import create_engine, exc, pool

from . import __version__, hanzi, releases
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


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    return _scripts().get_current_head()


def revisions() -> list:
    """The revisions, oldest first (alembic Script objects: .revision, .down_revision, .doc, .module)."""
    return list(reversed(list(_scripts().walk_revisions())))


def _bad_target(what: str, to: str, e: Exception) -> AdminError:
    known = ", ".join(r.revision for r in revisions())
    return AdminError(f"cannot {what} to {to!r}: {' '.join(str(e).split())} (revisions: {known}; or head, base)")


def current(dsn: str) -> str | None:
    """The database's revision, None when drugnorm is not installed. Reads only: creates nothing."""
    with connect(dsn) as conn:
        exists = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE n.nspname = 'drugnorm' AND c.relname = 'alembic_version')").fetchone()[0]
        if not exists:
            return None
        row = conn.execute("SELECT version_num FROM drugnorm.alembic_version").fetchone()
        return row[0] if row else None


def _released() -> dict[str, str]:
    """revision -> the release that shipped it (from migrations/RELEASED.tsv)."""
    out = {}
    for release, path, _ in releases.released(MIGRATIONS_DIR):
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".py"):
            out[name[:-3]] = release
    return out


def describe_current(dsn: str) -> list[str]:
    """`migrate current`: the database's revision against this drugnorm-admin's head, and the release that
    last migrated it. Reads only."""
    rev, top = current(dsn), head()
    if rev is None:
        return ["base (drugnorm is not installed here: run `drugnorm-admin init`)"]
    known = {r.revision for r in revisions()}
    if rev == top:
        line = f"{rev} (head)"
    elif rev in known:
        line = f"{rev} (head is {top}: run `drugnorm-admin migrate`)"
    else:
        line = f"{rev} (unknown to drugnorm-admin {__version__}, whose head is {top}: a newer release migrated it)"
    with connect(dsn) as conn:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'drugnorm' AND c.relname = 'release_history')").fetchone()[0]:
            last = conn.execute("SELECT release, to_char(at, 'YYYY-MM-DD HH24:MI:SS TZ'), by_role "
                                "FROM drugnorm.release_history ORDER BY at DESC, id DESC LIMIT 1").fetchone()
            if last:
                line += f"; last migrated by drugnorm-admin {last[0]} at {last[1]} as {last[2]}"
    return [line]


def history(at: str | None = None, installed: bool = False) -> list[str]:
    """`migrate history`: every revision, newest first, as Alembic prints it, with the release that shipped
    it; ``installed``: mark the database's revision ``at`` (None: not installed)."""
    shipped = _released()
    lines = []
    for r in reversed(revisions()):
        marks = (["head"] if r.is_head else []) + (["current"] if installed and r.revision == at else [])
        doc = (r.doc or "").strip().splitlines()[0] if r.doc else ""
        lines.append(f"{r.down_revision or '<base>'} -> {r.revision}{''.join(f' ({m})' for m in marks)}, "
                     f"{shipped.get(r.revision, 'unreleased')}: {doc}")
    if installed and at is None:
        lines.append("(this database: base, drugnorm not installed)")
    return lines


def upgrade(dsn: str, to: str = "head", log=print) -> str | None:
    before = current(dsn)
    try:
        with _alembic(dsn) as (cfg, conn), contextlib.redirect_stdout(io.StringIO()):
            command.upgrade(cfg, to)
            _record_release(conn)
    except CommandError as e:
        raise _bad_target("migrate", to, e) from e
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
    except CommandError as e:
        raise _bad_target("downgrade", to, e) from e
    except (psycopg.Error, exc.DBAPIError) as e:
        raise AdminError(f"downgrade failed, database left at revision {before}: {_reason(e)}") from e
    after = current(dsn)
    log(f"downgraded {before} -> {after or 'base'}")
    return after


def pending(start: str | None, to: str = "head") -> list:
    """The revisions an upgrade from ``start`` (None: base) to ``to`` runs, in order."""
    try:
        return list(reversed(list(_scripts().iterate_revisions(to, start or "base"))))
    except (CommandError, RevisionError) as e:
        raise _bad_target("migrate", to, e) from e


def sql_script(start: str | None, to: str = "head") -> str:
    """`migrate --sql`: the SQL an upgrade from ``start`` (None: base) to ``to`` would run, without running it,
    as one psql script (``psql -v ON_ERROR_STOP=1 -f``; run it as a superuser). Each revision's frozen SQL
    files in order; what a revision does in Python (the hanzi data load of 0003) is printed as the
    statements it sends, its data as COPY ... FROM stdin; the alembic_version bookkeeping as Alembic's."""
    todo = pending(start, to)
    out = io.StringIO()
    w = out.write
    w(f"-- drugnorm-admin {__version__} migrate --sql: {start or 'base'} -> {todo[-1].revision if todo else start}\n")
    if not todo:
        w("-- nothing to do: the database is at the target revision already\n")
        return out.getvalue()
    w("-- Run as a superuser, in one transaction: psql -v ON_ERROR_STOP=1 -f THIS_FILE\n\nBEGIN;\n\n")
    if start is None:
        w("CREATE SCHEMA IF NOT EXISTS drugnorm;\n\n"
          "CREATE TABLE IF NOT EXISTS drugnorm.alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n"
          "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n")
    prev = start
    for r in todo:
        w(f"-- Running upgrade {prev or '<base>'} -> {r.revision}: {(r.doc or '').strip().splitlines()[0]}\n\n")
        _Recorder(r, w).run()
        if prev is None:
            w(f"INSERT INTO drugnorm.alembic_version (version_num) VALUES ('{r.revision}');\n\n")
        else:
            w(f"UPDATE drugnorm.alembic_version SET version_num='{r.revision}' "
              f"WHERE drugnorm.alembic_version.version_num = '{prev}';\n\n")
        prev = r.revision
    w("-- The release that migrated, as drugnorm-admin migrate records it (from revision 0003 on)\n"
      "DO $$ BEGIN IF to_regclass('drugnorm.release_history') IS NOT NULL THEN\n"
      f"    INSERT INTO drugnorm.release_history (release, revision) VALUES ('{__version__}', '{prev}');\n"
      "END IF; END $$;\n\nCOMMIT;\n")
    if "COPY drugnorm.hanzi" not in out.getvalue():
        w("\n-- Not in this script: revisions before 0003 leave drugnorm.hanzi empty; drugnorm-admin migrate fills it\n"
          "-- from migrations/data after them (or migrate on to head, whose revision 0003 loads it).\n")
    return out.getvalue()


class _Recorder:
    """Stands in for Alembic's ``op`` (and the driver connection behind ``op.get_bind()``) while a revision's
    upgrade() runs, writing every statement instead of executing it."""

    def __init__(self, script, write):
        self.script, self.write = script, write
        folder = Path(script.path).parent
        self.files = {f.read_text(encoding="utf-8"): f"versions/{f.name}" for f in folder.glob(f"{script.revision}*.sql")}

    def run(self) -> None:
        module = self.script.module
        saved = module.__dict__.get("op")
        module.op = self
        try:
            module.upgrade()
        finally:
            module.op = saved

    # what revisions use: op.get_bind().connection.driver_connection.execute(sql), .cursor().copy(...), op.execute
    def get_bind(self):
        return self

    @property
    def connection(self):
        return self

    @property
    def driver_connection(self):
        return self

    def cursor(self):
        return self

    def execute(self, statement, params=None):
        if params:
            raise AdminError(f"migrate --sql: revision {self.script.revision} runs a statement with parameters, "
                             "which cannot be printed")
        text = str(statement)
        name = self.files.get(text)
        if name is not None:
            self.write(f"-- {name}\n{text.rstrip()}\n\n")
        else:
            text = text.strip()
            self.write(f"-- (a Python step of {self.script.revision}.py's upgrade())\n{text}"
                       f"{'' if text.endswith(';') else ';'}\n\n")
        return self

    @contextlib.contextmanager
    def copy(self, statement):
        chunks = []

        class _Copy:
            def write(self, data):
                chunks.append(data.decode("utf-8") if isinstance(data, (bytes, bytearray, memoryview))
                              and not isinstance(data, str) else str(data))
        yield _Copy()
        data = "".join(chunks)
        if data and not data.endswith("\n"):
            data += "\n"
        self.write(f"-- (a Python step of {self.script.revision}.py's upgrade(): its data, {data.count(chr(10))} "
                   f"rows, in psql's COPY format)\n{str(statement).strip().rstrip(';')};\n{data}\\.\n\n")

    def __getattr__(self, name):
        raise AdminError(f"migrate --sql: revision {self.script.revision} uses op.{name}, which --sql cannot print; "
                         "run migrate against a scratch database and pg_dump it instead")


def _reason(e: Exception) -> str:
    """One line: the server's message, detail and hint, without the CONTEXT of a PL/pgSQL block."""
    orig = getattr(e, "orig", None) or e
    diag = getattr(orig, "diag", None)
    if diag is not None and diag.message_primary:
        return " ".join(" ".join(p.split()) for p in (diag.message_primary, diag.message_detail, diag.message_hint)
                        if p)
    return str(orig).strip()


def _warn_locale(dsn: str, log) -> None:
    with connect(dsn) as conn:
        ctype = conn.execute("SELECT datctype FROM pg_database WHERE datname = current_database()").fetchone()[0]
    if ctype in ("C", "POSIX"):
        log(f"note: this database's LC_CTYPE is {ctype}; drug_parse and drug_candidates use their own "
            "character index and work, but pg_trgm indexes (ad-hoc similarity searches) ignore Chinese here")
