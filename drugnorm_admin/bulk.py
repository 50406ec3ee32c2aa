"""Whole tables: normalize, renormalize, and the trigger that keeps a column normalized (attach/detach).

normalize parses each distinct raw value once (hospital tables repeat the same strings many times) into
a work table, in batches spread over ``jobs`` connections, then writes the results back in block ranges
of the table. A row counts as done when its NORM holds a result of the current lexicon version, so an
interrupted run resumes where it stopped and a finished one does nothing.

Who runs what. Every statement runs as the role that connects, and an UPDATE of a table runs that
table's triggers (and its index, default and constraint functions) as that role. So normalize and
renormalize are meant to run as the table's owner granted drugnorm_reader; as a superuser on a table
owned by an ordinary role they refuse unless ``allow_superuser`` (that owner's trigger would otherwise run
with superuser rights). The work table lives in the target table's own schema (an UNLOGGED
``drugnorm_work_<hash>`` owned by the caller), so a run interrupted part-way resumes; without CREATE on
that schema it is a TEMP table of one connection, and an interrupted run starts over.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg._encodings import pg2pyenc

from .db import AdminError, Table, _errline, check_name, column_info, connect, max_identifier_length, no_column, \
    resolve_table
from .progress import Progress

_BATCH = 2000
_TEXT_TYPE = re.compile(r"text|character varying(\(\d+\))?|character(\(\d+\))?")
_TRIGGER_FN = "drugnorm.normalize_trigger()"


@contextlib.contextmanager
def _db_errors(what: str):
    """A database error (no privilege, lock timeout, ...) becomes one clear line."""
    try:
        yield
    except psycopg.Error as e:
        raise AdminError(f"{what}: {_errline(e)}") from None


@dataclass
class _Job:
    tbl: Table
    column: str
    into: str
    into_exists: bool
    raw_generated: bool

    @property
    def raw(self):
        return sql.Identifier(self.column)

    @property
    def out(self):
        return sql.Identifier(self.into)


def _resolve(conn, table: str, column: str, into: str, need_into: bool = False) -> _Job:
    """The table, its text column and its jsonb result column, checked once; every error is one line."""
    tbl = resolve_table(conn, table)
    check_name(conn, "--column", column)
    check_name(conn, "--into", into)
    if column == into:
        raise AdminError(f"--into {into!r} is the --column itself: the raw strings would be overwritten with "
                         "results; give the result column another name")
    info = column_info(conn, tbl, column)
    if info is None:
        raise no_column(conn, tbl, column)
    typ, generated = info
    if not _TEXT_TYPE.fullmatch(typ):
        raise AdminError(f"column {column!r} of {tbl} is {typ}, expected text (raw drug strings)")
    out = column_info(conn, tbl, into)
    if out is None:
        if need_into:
            raise no_column(conn, tbl, into)
    elif out[0] != "jsonb":
        raise AdminError(f"column {into!r} of {tbl} is {out[0]}, expected jsonb for drug_parse results "
                         "(a new --into name creates a jsonb column)")
    elif out[1]:
        raise AdminError(f"column {into!r} of {tbl} is a generated column: results cannot be written into it")
    return _Job(tbl, column, into, out is not None, generated)


def _check_caller(conn, tbl: Table, command: str, allow_superuser: bool = True) -> str:
    """The connected role, after checking that it may call drug_parse and (unless allowed) that a
    superuser does not run the triggers of a table owned by an ordinary role. Returns the role name."""
    me, is_super = conn.execute("SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user"
                                ).fetchone()
    if is_super and not tbl.owner_is_superuser and not allow_superuser:
        raise AdminError(
            f"{tbl} is owned by {tbl.owner} and you are connected as superuser {me}: {command} would run "
            f"{tbl.owner}'s triggers and functions with superuser rights. Connect as {tbl.owner} (granted "
            f"drugnorm_reader), or pass --allow-superuser if you trust every trigger and function of {tbl}")
    schema = conn.execute("SELECT oid FROM pg_namespace WHERE nspname = 'drugnorm'").fetchone()
    if schema is None:
        raise AdminError("drugnorm is not installed in this database: run drugnorm-admin migrate (or init)")
    ok = conn.execute("SELECT has_schema_privilege(%s, 'USAGE') AND has_function_privilege("
                      "to_regprocedure('drugnorm.drug_parse(text)'), 'EXECUTE')", (schema[0],)).fetchone()[0]
    if not ok:
        raise AdminError(f"role {me} may not call drugnorm.drug_parse: GRANT drugnorm_reader TO {me}")
    return me


def _pending(into) -> sql.Composed:
    return sql.SQL("({into} IS NULL OR ({into}->>'lexicon_version')::bigint IS DISTINCT FROM "
                   "(SELECT version FROM drugnorm.state))").format(into=into)


def _work_table(conn, job: _Job, log) -> tuple[sql.Composable, bool]:
    """(identifier of the work table, whether it is a TEMP table). Resumable: an UNLOGGED table in the target
    table's schema, owned by the caller; a TEMP table when the caller may not create tables there."""
    name = "drugnorm_work_" + hashlib.sha1(f"{job.tbl.oid}.{job.column}.{job.into}".encode()).hexdigest()[:12]
    columns = sql.SQL("(id bigserial PRIMARY KEY, raw text UNIQUE, n bigint NOT NULL, norm jsonb)")
    if conn.execute("SELECT has_schema_privilege(%s, 'CREATE')", (job.tbl.schema,)).fetchone()[0]:
        work = sql.Identifier(job.tbl.schema, name)
        # The work table survives an interruption; values already parsed are kept.
        conn.execute(sql.SQL("CREATE UNLOGGED TABLE IF NOT EXISTS {w} {c}").format(w=work, c=columns))
        owner, kind = conn.execute("SELECT pg_get_userbyid(relowner), relkind FROM pg_class WHERE oid = "
                                   "to_regclass(format('%%I.%%I', %s::text, %s::text))",
                                   (job.tbl.schema, name)).fetchone()
        me = conn.execute("SELECT current_user::text").fetchone()[0]
        if owner != me or kind != "r":
            raise AdminError(f"{job.tbl.schema}.{name} exists but is not a work table of {me} (owner {owner}, "
                             f"relkind {kind}); drop it, or run as its owner")
        return work, False
    work = sql.Identifier("pg_temp", name)
    conn.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {w} {c}").format(w=work, c=columns))
    log(f"note: no CREATE privilege on schema {job.tbl.schema}: the work table is temporary, so one connection "
        "parses and an interrupted run starts over (GRANT CREATE ON SCHEMA to make it resumable)")
    return work, True


def _run(items, fn, jobs: int, new_conn, progress) -> None:
    """fn(conn, item) for every item over ``jobs`` threads, each with its own connection from new_conn()
    (which may hand out one shared connection: then jobs is 1)."""
    local = threading.local()
    lock = threading.Lock()
    opened = []
    done = [0]

    def run(item):
        if not hasattr(local, "conn"):
            local.conn, owned = new_conn()
            if owned:
                with lock:
                    opened.append(local.conn)
        k = fn(local.conn, item)
        with lock:
            done[0] += k
            progress.tick(done[0])

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for _ in pool.map(run, items):
                pass
    finally:
        for c in opened:
            c.close()


def normalize(dsn: str, table: str, column: str, into: str, jobs: int = 1, log=print,
              allow_superuser: bool = False) -> dict:
    jobs = max(1, jobs)
    with connect(dsn, autocommit=True) as conn, _db_errors(f"normalize {table}"):
        job = _resolve(conn, table, column, into)
        _check_caller(conn, job.tbl, "normalize", allow_superuser)
        tbl, raw, out = job.tbl.ident, job.raw, job.out
        if not job.into_exists:
            conn.execute(sql.SQL("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {o} jsonb").format(t=tbl, o=out))
        work, temp = _work_table(conn, job, log)
        jobs = 1 if temp else jobs

        def new_conn():
            return (conn, False) if temp else (connect(dsn, autocommit=True), True)

        conn.execute(sql.SQL("DELETE FROM {w} WHERE norm IS NOT NULL AND (norm->>'lexicon_version')::bigint "
                             "IS DISTINCT FROM (SELECT version FROM drugnorm.state)").format(w=work))
        conn.execute(sql.SQL("INSERT INTO {w} (raw, n) SELECT {r}, count(*) FROM {t} WHERE {r} IS NOT NULL AND {p} "
                             "GROUP BY {r} ON CONFLICT (raw) DO NOTHING").format(w=work, r=raw, t=tbl, p=_pending(out)))
        todo = [r[0] for r in conn.execute(sql.SQL("SELECT id FROM {w} WHERE norm IS NULL ORDER BY id").format(w=work))]
        rows_pending = conn.execute(sql.SQL("SELECT count(*) FROM {t} WHERE {r} IS NOT NULL AND {p}").format(
            t=tbl, r=raw, p=_pending(out))).fetchone()[0]

        def parse_batch(c, ids):
            # record_review counts each distinct value as often as the table holds it (when the queue is on)
            c.execute(sql.SQL("UPDATE {w} SET norm = drugnorm.record_review(drugnorm.drug_parse(raw), n::int) "
                              "WHERE id >= %s AND id <= %s AND norm IS NULL").format(w=work), (ids[0], ids[-1]))
            return len(ids)

        batches = [todo[i:i + _BATCH] for i in range(0, len(todo), _BATCH)]
        prog = Progress(f"parsing {len(todo):,} distinct values", len(todo), min_total=0)
        _run(batches, parse_batch, jobs, new_conn, prog)
        prog.done(len(todo))

        pages = conn.execute("SELECT greatest(relpages, 1) FROM pg_class WHERE oid = %s", (job.tbl.oid,)).fetchone()[0]
        pages = max(pages, conn.execute(sql.SQL("SELECT coalesce(max((ctid::text::point)[0])::bigint + 1, 1) "
                                                "FROM {t}").format(t=tbl)).fetchone()[0])
        step = max(1, pages // max(jobs * 8, 1))
        ranges = [(lo, min(lo + step, pages)) for lo in range(0, pages, step)]
        written = [0]
        lock = threading.Lock()

        def write_range(c, r):
            lo, hi = r
            cur = c.execute(
                sql.SQL("UPDATE {t} SET {o} = w.norm FROM {w} w WHERE {t}.{r} = w.raw AND {t}.ctid >= %s::tid "
                        "AND {t}.ctid < %s::tid AND {p}").format(t=tbl, o=out, w=work, r=raw, p=_pending(sql.SQL(
                            "{t}.{o}").format(t=tbl, o=out))),
                (f"({lo},0)", f"({hi},0)"))
            with lock:
                written[0] += cur.rowcount
            return 1

        prog = Progress(f"writing {rows_pending:,} rows (block ranges)", len(ranges), min_total=0)
        _write_back(ranges, write_range, jobs, new_conn, prog)
        prog.done(len(ranges))
        left = conn.execute(sql.SQL("SELECT count(*) FROM {t} WHERE {r} IS NOT NULL AND {p}").format(
            t=tbl, r=raw, p=_pending(out))).fetchone()[0]
        if left == 0:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {w}").format(w=work))
    log(f"{job.tbl}.{into}: {written[0]:,} rows written from {len(todo):,} distinct values"
        + (f"; {left:,} rows still pending (run again)" if left else ""))
    return {"distinct": len(todo), "written": written[0], "pending": left}


_write_back = _run   # the write phase (a seam for tests that interrupt a run between parsing and writing)


def _removal_version(conn) -> int | None:
    """The latest lexicon version that removed entries (load-dict --replace), or None."""
    return conn.execute(
        """SELECT max(v.version) FROM drugnorm.lexicon_version v
           WHERE jsonb_typeof(v.what->'counts') = 'object'
             AND EXISTS (SELECT 1 FROM jsonb_each(v.what->'counts') c
                         WHERE jsonb_typeof(c.value) = 'object' AND (c.value->>'removed')::bigint > 0)""").fetchone()[0]


def renormalize(dsn: str, table: str, column: str, into: str, log=print, allow_superuser: bool = False) -> int:
    """Redo only rows whose stored version is older and whose text contains a term changed since, or whose
    result names a term that is no longer in the lexicon (removed by load-dict --replace)."""
    with connect(dsn) as conn, _db_errors(f"renormalize {table}"):
        job = _resolve(conn, table, column, into, need_into=True)
        _check_caller(conn, job.tbl, "renormalize", allow_superuser)
        tbl, raw, out = job.tbl.ident, job.raw, job.out
        version = sql.SQL("({o}->>'lexicon_version')::bigint").format(o=out)
        changed = sql.SQL("""EXISTS (SELECT 1 FROM drugnorm.entry e
                                     WHERE e.version > {v} AND strpos({o}->>'normalized', e.key) > 0)""").format(
            v=version, o=out)
        removed_at = _removal_version(conn)
        if removed_at is None:
            n = conn.execute(sql.SQL(
                """UPDATE {t} SET {o} = drugnorm.drug_parse({r})
                   WHERE {o} IS NOT NULL AND {v} < (SELECT version FROM drugnorm.state) AND {changed}""").format(
                t=tbl, o=out, r=raw, v=version, changed=changed)).rowcount
        else:
            # Results older than the last removal: the terms they name (exact segments, units of specs and
            # packages, fuzzy candidates; as written and as standards) that no entry of that dictionary
            # holds any more, as term or as key. Each distinct stored result is looked at once.
            n = conn.execute(sql.SQL(
                """WITH docs AS MATERIALIZED (
                       SELECT DISTINCT {o} AS doc FROM {t}
                       WHERE {o} IS NOT NULL AND {v} < %(removed_at)s),
                   items AS (
                       SELECT doc, jsonb_path_query(doc, 'lax $.segments[*] ? (@.match == "exact" ||
                                                           @.match == "spec" || @.match == "package")') AS it
                       FROM docs
                       UNION ALL
                       SELECT doc, jsonb_path_query(doc, 'lax $.segments[*].candidates[*]') FROM docs),
                   named AS MATERIALIZED (
                       SELECT i.doc, i.it->>'attribute' AS dict, x.term
                       FROM items i, LATERAL (VALUES (coalesce(i.it->>'unit', i.it->>'term')),
                                                     (coalesce(i.it->>'unit_standard', i.it->>'standard'))) x(term)
                       WHERE jsonb_typeof(i.it) = 'object' AND i.it->>'attribute' IS NOT NULL AND x.term IS NOT NULL),
                   gone AS (
                       SELECT DISTINCT dict, term FROM named nm
                       WHERE NOT EXISTS (SELECT 1 FROM drugnorm.entry e WHERE e.dict = nm.dict AND e.term = nm.term)
                         AND NOT EXISTS (SELECT 1 FROM drugnorm.entry e WHERE e.dict = nm.dict AND e.key = nm.term)),
                   stale AS (SELECT DISTINCT nm.doc FROM named nm JOIN gone g USING (dict, term))
                   UPDATE {t} SET {o} = drugnorm.drug_parse({r})
                   WHERE {o} IS NOT NULL AND {v} < (SELECT version FROM drugnorm.state)
                     AND ({changed} OR {o} IN (SELECT doc FROM stale))""").format(
                t=tbl, o=out, r=raw, v=version, changed=changed), {"removed_at": removed_at}).rowcount
        conn.commit()
    log(f"{job.tbl}.{into}: {n:,} rows renormalized")
    return n


@dataclass
class _Trigger:
    name: str
    column: str | None
    into: str | None


def _triggers(conn, tbl: Table) -> list[_Trigger]:
    """The drugnorm triggers of a table (whatever their names: earlier releases named them differently)."""
    enc = pg2pyenc(conn.execute("SHOW server_encoding").fetchone()[0].encode())
    out = []
    for name, nargs, args in conn.execute(
            "SELECT tgname, tgnargs, tgargs FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal "
            f"AND tgfoid = to_regprocedure('{_TRIGGER_FN}')", (tbl.oid,)):
        parts = [bytes(p).decode(enc, "replace") for p in bytes(args).split(b"\0")[:nargs]]
        out.append(_Trigger(name, *(parts + [None, None])[:2]))
    return out


def _trigger_name(conn, column: str, into: str) -> str:
    """drugnorm_<column>_<into>, cut to fit, plus a hash of both names: two pairs never share a name."""
    digest = hashlib.sha1(f"{column}\0{into}".encode()).hexdigest()[:8]
    base = f"drugnorm_{column}_{into}".encode()[:max_identifier_length(conn) - len(digest) - 1]
    return base.decode("utf-8", "ignore") + "_" + digest


def attach(dsn: str, table: str, column: str, into: str, log=print) -> None:
    with connect(dsn) as conn, _db_errors(f"attach {table}"):
        job = _resolve(conn, table, column, into)
        if job.raw_generated:
            raise AdminError(f"column {column!r} of {job.tbl} is a generated column: a BEFORE trigger does not "
                             "see its value; use normalize instead")
        _check_caller(conn, job.tbl, "attach")
        tbl = job.tbl.ident
        conn.execute(sql.SQL("LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE").format(t=tbl))
        mine = _triggers(conn, job.tbl)
        for t in mine:
            if t.into == into and t.column != column:
                raise AdminError(f"{job.tbl}.{into} is already filled from column {t.column!r} by trigger "
                                 f"{t.name}: detach that one first")
        name = _trigger_name(conn, column, into)
        same = [t for t in mine if (t.column, t.into) == (column, into)]
        if name not in {t.name for t in same} and conn.execute(
                "SELECT 1 FROM pg_trigger WHERE tgrelid = %s AND tgname = %s", (job.tbl.oid, name)).fetchone():
            raise AdminError(f"{job.tbl} already has a trigger named {name} that is not drugnorm's")
        if not job.into_exists:
            conn.execute(sql.SQL("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {o} jsonb").format(t=tbl, o=job.out))
        for t in same:   # attach again: replace it (also one named by an earlier release)
            conn.execute(sql.SQL("DROP TRIGGER {n} ON {t}").format(n=sql.Identifier(t.name), t=tbl))
        conn.execute(sql.SQL("CREATE TRIGGER {n} BEFORE INSERT OR UPDATE OF {r} ON {t} FOR EACH ROW "
                             "EXECUTE FUNCTION drugnorm.normalize_trigger({rl}, {ol})").format(
            n=sql.Identifier(name), r=job.raw, t=tbl, rl=sql.Literal(column), ol=sql.Literal(into)))
        # Writers run drug_parse inside the trigger as themselves: without drugnorm_reader their rows are
        # stored with a NULL result and a WARNING (see drugnorm.normalize_trigger).
        lacking = [r[0] for r in conn.execute(
            """SELECT r.rolname FROM pg_roles r, pg_namespace n
               WHERE n.nspname = 'drugnorm' AND r.rolcanlogin AND NOT r.rolsuper
                 AND (has_table_privilege(r.oid, %s::oid, 'INSERT') OR has_table_privilege(r.oid, %s::oid, 'UPDATE'))
                 AND NOT (has_schema_privilege(r.oid, n.oid, 'USAGE')
                          AND has_function_privilege(r.oid, to_regprocedure('drugnorm.drug_parse(text)'), 'EXECUTE'))
               ORDER BY 1 LIMIT 6""", (job.tbl.oid, job.tbl.oid))]
        conn.commit()
    log(f"attached: {job.tbl}.{into} = drug_parse({column}) on insert and update (trigger {name})")
    if lacking:
        log(f"warning: role(s) {', '.join(lacking[:5])}{', ...' if len(lacking) > 5 else ''} may write {job.tbl} "
            f"but not call drug_parse: their rows get {into} = NULL and a WARNING; GRANT drugnorm_reader TO them")


def detach(dsn: str, table: str, column: str, into: str, log=print) -> None:
    with connect(dsn) as conn, _db_errors(f"detach {table}"):
        tbl = resolve_table(conn, table)
        check_name(conn, "--column", column)
        check_name(conn, "--into", into)
        found = [t for t in _triggers(conn, tbl) if (t.column, t.into) == (column, into)]
        for t in found:
            conn.execute(sql.SQL("DROP TRIGGER {n} ON {t}").format(n=sql.Identifier(t.name), t=tbl.ident))
        conn.commit()
    if found:
        log(f"detached: {tbl}.{into} is no longer maintained (its values stay)")
    else:
        log(f"nothing to detach: no drugnorm trigger fills {tbl}.{into} from {column!r}")
