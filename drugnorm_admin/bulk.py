"""Whole tables: parse-table, reparse-table, and the trigger that keeps a column parsed (attach/detach).

parse-table parses each distinct raw value once (hospital tables repeat the same strings many times) into
a work table, then writes the results back in block ranges of the table. Both phases run in small batches
spread over ``jobs`` connections, each batch its own committed statement: progress shows after each one
(values or rows, rate, ETA), Ctrl-C cancels the statements running (within a fraction of a second: the
parse checks for a cancel as it goes) and keeps every batch that committed, and a new run resumes from the
work table. A row counts as done when its NORM holds a result of the current lexicon version, or one that
reparse-table checked against it (drugnorm.result_check), so a finished run does nothing.

reparse-table finds the rows a lexicon change affects in one set-based statement: the keys changed since a
row's version are read once, and every distinct normalized text is cut into its substrings of those keys'
lengths, which are looked up in a hash of the keys (no row is compared with every entry). The affected
values are re-parsed and written back like parse-table's; once every affected row is redone, the column is
recorded as checked against the current version (one row in drugnorm.result_check), so the results that
did not change stay as they are, with the version they were made with, and count as current.

Who runs what. Every statement runs as the role that connects, and an UPDATE of a table runs that
table's triggers (and its index, default and constraint functions) as that role. So parse-table and
reparse-table are meant to run as the table's owner granted drugnorm_reader; as a superuser on a table
owned by an ordinary role they refuse unless ``allow_superuser`` (that owner's trigger would otherwise run
with superuser rights). The work table lives in the target table's own schema (an UNLOGGED
``drugnorm_work_<hash>`` owned by the caller), so a run interrupted part-way resumes; without CREATE on
that schema it is a TEMP table of one connection, and an interrupted run starts over.
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import queue
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import psycopg
from psycopg import sql
from psycopg._encodings import pg2pyenc

from .db import AdminError, Table, _errline, check_name, column_info, connect, max_identifier_length, no_column, \
    resolve_table
from .progress import Progress

MAX_BATCH = 500          # distinct values one parse statement may take
FIRST_BATCH = 8          # the first batch of every job: small, so every job starts at once and progress shows
BATCH_SECONDS = 0.5      # a job's batches grow or shrink to take about this long
MAX_PAGES = 256          # table pages one write statement covers (a few thousand rows)
_TEXT_TYPE = re.compile(r"text|character varying(\(\d+\))?|character(\(\d+\))?")
_TRIGGER_FN = "drugnorm.normalize_trigger()"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped parse-table or reparse-table; the message says what was kept and how to go on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Batch(NamedTuple):
    """One finished statement, as ``report`` sees it (in the calling thread, in order of completion)."""
    phase: str       # 'parse' (distinct values into the work table) or 'write' (rows of the table)
    size: int        # values parsed, or rows written, by this statement
    rows: int        # parse: rows of the table those values cover; write: = size
    pid: int         # the backend that ran it (one per job)
    done: int        # values (parse) or rows (write) done so far in this run
    total: int


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


def _version(o) -> sql.Composed:
    return sql.SQL("({o}->>'lexicon_version')::bigint").format(o=o)


def _pending(o, cur: int, checked: int) -> sql.Composed:
    """NORM needs (re)parsing: empty, without a version, or older than ``cur`` and not checked against it."""
    return sql.SQL("({o} IS NULL OR ({o}->>'lexicon_version') IS NULL OR greatest({v}, {c}) < {cur})").format(
        o=o, v=_version(o), c=sql.Literal(checked), cur=sql.Literal(cur))


_MARKS = "drugnorm.result_check"


def _marks_table(conn) -> bool:
    """Whether the schema records reparse-table's checks (0.10 on); a 0.9.0 database does not."""
    return conn.execute(f"SELECT to_regclass('{_MARKS}') IS NOT NULL").fetchone()[0]


def _checked(conn, job: _Job) -> int:
    """The lexicon version every stored result of this column was last checked against (0: never)."""
    if not _marks_table(conn):
        return 0
    row = conn.execute(f"SELECT version FROM {_MARKS} WHERE tbl = %s AND raw_column = %s AND result_column = %s",
                       (job.tbl.oid, job.column, job.into)).fetchone()
    return row[0] if row else 0


def _work_table(conn, job: _Job, log) -> tuple[sql.Composable, bool, str]:
    """(identifier of the work table, whether it is a TEMP table, its name as psql shows it). Resumable: an UNLOGGED table in the target
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
        shown = conn.execute("SELECT format('%%I.%%I', %s::text, %s::text)", (job.tbl.schema, name)).fetchone()[0]
        return work, False, shown
    work = sql.Identifier("pg_temp", name)
    conn.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {w} {c}").format(w=work, c=columns))
    log(f"note: no CREATE privilege on schema {job.tbl.schema}: the work table is temporary, so one connection "
        "does the work and an interrupted run starts over (GRANT CREATE ON SCHEMA to make it resumable)")
    return work, True, f"pg_temp.{name}"


# --- batches over several connections ---------------------------------------------------------------------

class _Values:
    """The parse phase's work: ids of the work table in batches. Every job gets a first batch of its own (so
    every job works, and progress shows early); after that a job's batches grow or shrink to take about
    BATCH_SECONDS, never more than ``max_batch`` values nor more than an even share of what is left (so the
    jobs end together)."""

    def __init__(self, ids: list[int], weights: list[int], jobs: int, max_batch: int):
        self.ids, self.weights, self.jobs, self.max = ids, weights, jobs, max(1, max_batch)
        first = max(1, min(FIRST_BATCH, self.max, math.ceil(len(ids) / jobs))) if ids else 1
        self.reserved = {j: (j * first, min(len(ids), (j + 1) * first)) for j in range(jobs) if j * first < len(ids)}
        self.pos = min(len(ids), jobs * first)
        self.size = {j: first for j in range(jobs)}
        self.lock = threading.Lock()

    def next(self, job: int):
        with self.lock:
            if job in self.reserved:
                lo, hi = self.reserved.pop(job)
            else:
                left = len(self.ids) - self.pos
                if left <= 0:
                    return None
                n = max(1, min(self.size[job], self.max, math.ceil(left / self.jobs)))
                lo, hi = self.pos, self.pos + n
                self.pos = hi
        return self.ids[lo:hi], sum(self.weights[lo:hi])

    def took(self, job: int, item, seconds: float) -> None:
        n = len(item[0])
        want = n * BATCH_SECONDS / max(seconds, 1e-3)
        with self.lock:
            self.size[job] = int(max(1, min(self.max, want, 4 * n)))


class _Ranges:
    """The write phase's work: block ranges of the table, in order."""

    def __init__(self, ranges):
        self.items, self.lock = list(ranges), threading.Lock()

    def next(self, job: int):
        with self.lock:
            return self.items.pop(0) if self.items else None

    def took(self, job: int, item, seconds: float) -> None:
        pass


def _run(feed, fn: Callable, conns: list, account: Callable, report: Callable) -> None:
    """fn(conn, item) for every item ``feed`` hands out, one thread per connection of ``conns``. The calling
    thread only waits: for each finished item it calls account(item, result, pid) (bookkeeping, never raises)
    then report(). On KeyboardInterrupt (Ctrl-C, or raised by report) it stops handing out work, cancels the
    statements running (each rolls back; every finished one has committed), waits for the threads, accounts
    for what finished meanwhile and re-raises; a worker's error does the same and is raised."""
    results: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work(j, conn):
        try:
            while not stop.is_set():
                item = feed.next(j)
                if item is None:
                    break
                t0 = time.monotonic()
                out = fn(conn, item)
                feed.took(j, item, time.monotonic() - t0)
                results.put(("done", item, out, conn.info.backend_pid))
        except BaseException as e:      # noqa: BLE001 - handed to the calling thread
            if not stop.is_set():
                results.put(("error", e, None, None))
        finally:
            results.put(("exit", None, None, None))

    threads = [threading.Thread(target=work, args=(j, c), daemon=True, name=f"drugnorm-job-{j}")
               for j, c in enumerate(conns)]
    for t in threads:
        t.start()
    running = len(threads)
    try:
        while running:
            try:
                kind, a, b, c = results.get(timeout=0.5)
            except queue.Empty:
                continue
            if kind == "exit":
                running -= 1
            elif kind == "done":
                account(a, b, c)
                report()
            else:
                raise a           # a worker's error: the others are stopped below
    except BaseException:     # Ctrl-C, or anything report() raises: no statement is left running
        _stop(stop, conns, results, running, account)
        raise


def _stop(stop, conns, results, running, account, patience: float = 10.0) -> None:
    """Stop the workers: no new work, the running statements cancelled; account for what finished."""
    stop.set()
    for c in conns:
        with contextlib.suppress(Exception):
            c.cancel_safe(timeout=2.0)
    deadline = time.monotonic() + patience
    while running and time.monotonic() < deadline:
        try:
            kind, a, b, c = results.get(timeout=0.1)
        except queue.Empty:
            continue
        except KeyboardInterrupt:     # a second Ctrl-C while the cancel lands: keep waiting, briefly
            continue
        if kind == "exit":
            running -= 1
        elif kind == "done":
            account(a, b, c)


# --- parse-table and reparse-table ----------------------------------------------------------------------------

class _Run:
    """One parse-table or reparse-table run: its connections, its work table and what it has done so far (an
    interruption's message says exactly that)."""

    def __init__(self, command: str, conn, dsn: str, job: _Job, jobs: int, log, max_batch: int, report):
        self.command, self.conn, self.dsn, self.job, self.jobs = command, conn, dsn, job, jobs
        self.log, self.max_batch, self.report = log, max_batch, report or (lambda batch: None)
        self.stage = "start"
        self.work, self.temp = None, False
        self.workers: list = []
        self.kept = 0                  # values parsed before this run, still in the work table
        self.todo = self.todo_rows = self.parsed = self.parsed_rows = 0
        self.to_write = self.written = 0
        self.cur = conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
        self.checked = _checked(conn, job)

    @property
    def pending(self):
        return _pending(self.job.out, self.cur, self.checked)

    def open_work(self) -> None:
        self.work, self.temp, self.work_name = _work_table(self.conn, self.job, self.log)
        if self.temp:
            self.jobs = 1
        # values parsed with an older lexicon are of no use
        self.conn.execute(sql.SQL("DELETE FROM {w} WHERE norm IS NOT NULL AND coalesce(({n}) < {cur}, true)").format(
            w=self.work, n=_version(sql.Identifier("norm")), cur=sql.Literal(self.cur)))
        # n is set again by this run for the values it needs; a value an earlier run left for rows that
        # are done meanwhile is not parsed (n = 0)
        self.conn.execute(sql.SQL("UPDATE {w} SET n = 0 WHERE n <> 0").format(w=self.work))

    def connections(self) -> list:
        if self.temp:       # only this connection sees a TEMP work table
            return [self.conn]
        while len(self.workers) < self.jobs:
            self.workers.append(connect(self.dsn, autocommit=True))
        return self.workers

    def close(self) -> None:
        for c in self.workers:
            with contextlib.suppress(Exception):
                c.close()

    def parse(self, expr: sql.Composable) -> None:
        """Parse every value of the work table that has no result yet, in batches over the jobs."""
        conn, work = self.conn, self.work
        self.kept = conn.execute(sql.SQL("SELECT count(*) FROM {w} WHERE norm IS NOT NULL").format(w=work)).fetchone()[0]
        todo = conn.execute(sql.SQL("SELECT id, n FROM {w} WHERE norm IS NULL AND n > 0 ORDER BY id").format(
            w=work)).fetchall()
        self.todo, self.todo_rows = len(todo), sum(n for _, n in todo)
        if not todo:
            return
        self.stage = "parse"
        stmt = sql.SQL("UPDATE {w} SET norm = {e} WHERE id = ANY(%s) AND norm IS NULL").format(w=work, e=expr)
        prog = Progress("parsing distinct values", self.todo, min_total=0, unit="values")

        def fn(c, item):
            return c.execute(stmt, (item[0],)).rowcount

        last = {}

        def account(item, n, pid):
            self.parsed += n
            self.parsed_rows += item[1]
            last["batch"] = Batch("parse", n, item[1], pid, self.parsed, self.todo)

        def tick():
            prog.tick(self.parsed, f"{self.parsed_rows:,}/{self.todo_rows:,} rows")
            self.report(last["batch"])

        _run(_Values([i for i, _ in todo], [n for _, n in todo], self.jobs, self.max_batch), fn,
             self.connections(), account, tick)
        prog.done(self.parsed, f"{self.parsed_rows:,}/{self.todo_rows:,} rows")

    def write(self, to_write: int, extra: sql.Composable = sql.SQL("")) -> None:
        """Write the parsed results into the rows still pending, in block ranges over the jobs; ``extra``
        narrows the rows (reparse-table: only those that hold a result)."""
        job, conn = self.job, self.conn
        tbl, out = job.tbl.ident, job.out
        self.to_write = to_write
        if not to_write:
            return
        self.stage = "write"
        pages = conn.execute("SELECT greatest(relpages, 1) FROM pg_class WHERE oid = %s", (job.tbl.oid,)).fetchone()[0]
        pages = max(pages, conn.execute(sql.SQL("SELECT coalesce(max((ctid::text::point)[0])::bigint + 1, 1) "
                                                "FROM {t}").format(t=tbl)).fetchone()[0])
        step = max(1, min(MAX_PAGES, pages // (self.jobs * 8) or 1))
        ranges = [(lo, min(lo + step, pages)) for lo in range(0, pages, step)]
        stmt = _write_statement(job, self.work, self.cur, self.checked, extra,
                                sql.SQL("t2.ctid >= %s::tid AND t2.ctid < %s::tid"))
        prog = Progress("writing rows", to_write, min_total=0, unit="rows")

        def fn(c, r):
            return c.execute(stmt, (f"({r[0]},0)", f"({r[1]},0)")).rowcount

        last = {}

        def account(r, n, pid):
            self.written += n
            last["batch"] = Batch("write", n, n, pid, self.written, to_write)

        def tick():
            prog.tick(self.written)
            self.report(last["batch"])

        _run(_Ranges(ranges), fn, self.connections(), account, tick)
        prog.done(self.written)

    def where(self) -> str:
        return "a temporary work table" if self.temp else f"work table {self.work_name}"

    def message(self) -> str:
        """What an interruption kept, and what to do."""
        tbl = self.job.tbl
        again = f"run the same {self.command} again to resume"
        if self.stage in ("start", "collect", "check"):
            doing = {"start": "starting", "collect": f"collecting the distinct values of {tbl}",
                     "check": f"finding the rows of {tbl} a lexicon change affects"}[self.stage]
            return (f"interrupted while {doing}: the statement was cancelled and rolled back; no row of {tbl} "
                    "was changed")
        if self.stage == "parse":
            total = self.kept + self.todo
            done = self.kept + self.parsed
            if self.temp:
                return (f"interrupted while parsing: {self.parsed:,} of {self.todo:,} distinct values were parsed, "
                        f"into a temporary work table, and are lost (no CREATE privilege on schema {tbl.schema}); "
                        f"no row of {tbl} was changed; a new run starts over")
            return (f"interrupted while parsing: {done:,} of {total:,} distinct values are parsed and kept in "
                    f"{self.where()} ({self.parsed:,} by this run; any batch in progress was cancelled and "
                    f"rolled back); no row of {tbl} was changed yet; {again}: kept values are not parsed again")
        if self.stage == "write":
            left = max(self.to_write - self.written, 0)
            kept = ("the parsed values were in a temporary work table and are lost, so a new run parses the "
                    "rest again" if self.temp else f"the parsed values stay in {self.where()}; {again}: it writes "
                    "the rest without parsing again")
            return (f"interrupted while writing: {self.written:,} rows of {tbl} written and committed, "
                    f"{left:,} not yet (any range in progress was cancelled and rolled back; its rows keep "
                    f"what they had); {kept}")
        return (f"interrupted while checking that every affected row of {tbl} is done: the {self.written:,} rows "
                f"written stay; {again}")

    def progress_note(self) -> str:
        """For an error part-way: what is kept."""
        if self.stage == "parse" and not self.temp and (self.parsed or self.kept):
            return f"; {self.kept + self.parsed:,} parsed values are kept in {self.where()} (run again to resume)"
        if self.stage == "write" and self.written:
            return f"; {self.written:,} rows were written and committed (run again to resume)"
        return ""


@contextlib.contextmanager
def _interruptible(run: _Run, what: str):
    """Ctrl-C becomes Interrupted with a message that says what was kept; a database error one line."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(run.message()) from None
    except psycopg.Error as e:
        raise AdminError(f"{what}: {_errline(e)}{run.progress_note()}") from None
    finally:
        run.close()


def normalize(dsn: str, table: str, column: str, into: str, jobs: int = 1, log=print,
              allow_superuser: bool = False, max_batch: int = MAX_BATCH, report=None) -> dict:
    """drugnorm-admin parse-table: fill INTO with drug_parse(COLUMN) for every row whose result is missing or not current. ``report``
    (for tests and callers that show progress themselves) gets a Batch after every statement. Ctrl-C raises
    Interrupted, whose message says what was kept."""
    jobs = max(1, jobs)
    with connect(dsn, autocommit=True) as conn:
        with _db_errors(f"parse-table {table}"):
            job = _resolve(conn, table, column, into)
            _check_caller(conn, job.tbl, "parse-table", allow_superuser)
            run = _Run("parse-table", conn, dsn, job, jobs, log, max_batch, report)
        with _interruptible(run, f"parse-table {job.tbl}"):
            tbl, raw, out = job.tbl.ident, job.raw, job.out
            if not job.into_exists:
                conn.execute(sql.SQL("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {o} jsonb").format(t=tbl, o=out))
            run.open_work()
            run.stage = "collect"
            # every distinct value of a pending row, counted (record_review weighs fragments by it); the
            # sum is the rows to write
            rows_pending = conn.execute(sql.SQL(
                """WITH ins AS (INSERT INTO {w} (raw, n)
                                SELECT {r}, count(*) FROM {t} WHERE {r} IS NOT NULL AND {p} GROUP BY {r}
                                ON CONFLICT (raw) DO UPDATE SET n = excluded.n RETURNING n)
                   SELECT coalesce(sum(n), 0)::bigint FROM ins""").format(
                w=run.work, r=raw, t=tbl, p=run.pending)).fetchone()[0]
            run.parse(sql.SQL("drugnorm.record_review(drugnorm.drug_parse(raw), least(n, 2147483647)::int)"))
            run.write(rows_pending)
            run.stage = "finish"
            left = conn.execute(sql.SQL("SELECT count(*) FROM {t} WHERE {r} IS NOT NULL AND {p}").format(
                t=tbl, r=raw, p=run.pending)).fetchone()[0]
            if left == 0:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {w}").format(w=run.work))
    log(f"{job.tbl}.{into}: {run.written:,} rows written from {run.todo:,} distinct values"
        + (f" ({run.kept:,} more parsed by an earlier run)" if run.kept else "")
        + (f"; {left:,} rows still pending (run again)" if left else ""))
    return {"distinct": run.todo, "written": run.written, "pending": left}


def _removal_version(conn) -> int | None:
    """The latest lexicon version that removed entries (load-dict --replace, revert), or None."""
    return conn.execute(
        """SELECT max(v.version) FROM drugnorm.lexicon_version v
           WHERE jsonb_typeof(v.what->'counts') = 'object'
             AND EXISTS (SELECT 1 FROM jsonb_each(v.what->'counts') c
                         WHERE jsonb_typeof(c.value) = 'object' AND (c.value->>'removed')::bigint > 0)""").fetchone()[0]


# The check's strategy: with few distinct lengths among the changed keys, every substring of those lengths is
# looked up; with more, each position's first one or two characters pick the lengths of the keys that start
# so (a few), and only those substrings are looked up.
_FEW_LENGTHS = 3


def check_statement(job: _Job, work, cur: int, checked: int) -> sql.Composed:
    """The set-based check of reparse-table: into the work table go the distinct raw values (with their row
    counts) of the rows whose normalized text contains a key changed after the row's version (the later of
    its result's version and the column's last check) and no later than ``cur``.

    The table and the changed keys are each read once; the keys go into a hash table. Each distinct
    (normalized text, version) is cut into candidate substrings, each looked up in the hash: the work grows
    with the rows and the length of their text, not with the size of the lexicon. Candidates: every
    substring of a length some changed key has, when they have at most _FEW_LENGTHS lengths (a curation
    load); otherwise, at each position, the substrings of the lengths of the keys starting with the
    position's first one or two characters (a large load). The strategy not taken is skipped by a one-time
    filter."""
    v = sql.SQL("greatest({v}, {c})").format(v=_version(sql.SQL("t.{o}").format(o=job.out)), c=sql.Literal(checked))
    return sql.SQL("""
        WITH rows AS MATERIALIZED (
                 SELECT t.{r} AS raw, t.{o}->>'normalized' AS s, {v} AS v, count(*) AS n
                 FROM {t} t
                 WHERE t.{r} IS NOT NULL AND t.{o} IS NOT NULL AND (t.{o}->>'lexicon_version') IS NOT NULL
                   AND {v} < {cur}
                 GROUP BY 1, 2, 3),
             docs AS MATERIALIZED (SELECT DISTINCT s, v FROM rows WHERE s IS NOT NULL AND s <> ''),
             keys AS MATERIALIZED (
                 SELECT key, max(version) AS version FROM drugnorm.entry
                 WHERE version > (SELECT min(v) FROM docs) AND version <= {cur}
                 GROUP BY key),
             lens AS MATERIALIZED (SELECT DISTINCT length(key) AS len FROM keys),
             heads AS MATERIALIZED (
                 SELECT left(key, 2) AS head, array_agg(DISTINCT length(key)) AS lens FROM keys
                 WHERE (SELECT count(*) FROM lens) > {few} GROUP BY 1),
             by_length AS (
                 SELECT d.s, d.v, i.pos, l.len
                 FROM docs d
                 JOIN lens l ON l.len <= length(d.s)
                 CROSS JOIN LATERAL generate_series(1, length(d.s) - l.len + 1) AS i(pos)
                 WHERE (SELECT count(*) FROM lens) <= {few}),
             by_head AS (
                 SELECT d.s, d.v, i.pos, l.len
                 FROM docs d
                 CROSS JOIN LATERAL generate_series(1, length(d.s)) AS i(pos)
                 CROSS JOIN LATERAL (VALUES (substr(d.s, i.pos, 2)), (substr(d.s, i.pos, 1))) AS hd(head)
                 JOIN heads h ON h.head = hd.head
                 CROSS JOIN LATERAL unnest(h.lens) AS l(len)
                 WHERE i.pos + l.len - 1 <= length(d.s) AND (SELECT count(*) FROM lens) > {few}),
             hits AS (
                 SELECT DISTINCT c.s, c.v
                 FROM (SELECT * FROM by_length UNION ALL SELECT * FROM by_head) c
                 JOIN keys k ON k.key = substr(c.s, c.pos, c.len) AND k.version > c.v)
        INSERT INTO {w} (raw, n)
        SELECT r.raw, sum(r.n) FROM rows r JOIN hits h ON h.s = r.s AND h.v = r.v GROUP BY r.raw
        ON CONFLICT (raw) DO UPDATE SET n = greatest({w}.n, excluded.n)""").format(
        r=job.raw, o=job.out, v=v, t=job.tbl.ident, cur=sql.Literal(cur), w=work, few=sql.Literal(_FEW_LENGTHS))


def _removed_statement(job: _Job, work, cur: int, checked: int, removed_at: int) -> sql.Composed:
    """Results older than the last removal: the terms they name (exact segments, units of specs and packages,
    fuzzy candidates; as written and as standards) that no entry of that dictionary holds any more, as term
    or as key. Each distinct stored result is looked at once; their raw values go to the work table."""
    o = sql.SQL("t.{o}").format(o=job.out)
    v = sql.SQL("greatest({v}, {c})").format(v=_version(o), c=sql.Literal(checked))
    return sql.SQL("""
        WITH docs AS MATERIALIZED (
                 SELECT DISTINCT {o} AS doc FROM {t} t
                 WHERE {o} IS NOT NULL AND ({o}->>'lexicon_version') IS NOT NULL AND {v} < {removed_at}),
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
        INSERT INTO {w} (raw, n)
        SELECT t.{r}, count(*) FROM {t} t
        WHERE t.{r} IS NOT NULL AND {o} IN (SELECT doc FROM stale) AND {v} < {cur}
        GROUP BY t.{r}
        ON CONFLICT (raw) DO UPDATE SET n = greatest({w}.n, excluded.n)""").format(
        o=o, t=job.tbl.ident, v=v, removed_at=sql.Literal(removed_at), w=work, r=job.raw, cur=sql.Literal(cur))


def _check(conn, stmt) -> None:
    """Run the check as one statement with plans fit for it: hash joins (the planner cannot know how few
    substrings match) and no JIT (its compile time exceeds the work)."""
    with conn.transaction():
        conn.execute("SET LOCAL enable_mergejoin = off")
        conn.execute("SET LOCAL enable_nestloop = off")
        conn.execute("SET LOCAL jit = off")
        conn.execute(stmt)


def renormalize(dsn: str, table: str, column: str, into: str, log=print, allow_superuser: bool = False,
                jobs: int = 1, max_batch: int = MAX_BATCH, report=None) -> int:
    """Redo only rows whose result is older than the lexicon (and not checked against it since) and whose
    text contains a term changed since, or whose result names a term no longer in the lexicon (removed by
    load-dict --replace or revert); then record that every stored result of the column was checked against
    the current version. Returns the rows redone."""
    jobs = max(1, jobs)
    with connect(dsn, autocommit=True) as conn:
        with _db_errors(f"reparse-table {table}"):
            job = _resolve(conn, table, column, into, need_into=True)
            _check_caller(conn, job.tbl, "reparse-table", allow_superuser)
            run = _Run("reparse-table", conn, dsn, job, jobs, log, max_batch, report)
        with _interruptible(run, f"reparse-table {job.tbl}"):
            tbl, raw, out = job.tbl.ident, job.raw, job.out
            run.open_work()
            run.stage = "check"
            # values a parse of the current version is waiting for (an interrupted run) stay; values whose
            # rows were all redone meanwhile go
            t0 = time.monotonic()
            _check(conn, check_statement(job, run.work, run.cur, run.checked))
            removed_at = _removal_version(conn)
            if removed_at is not None and run.checked < removed_at:
                _check(conn, _removed_statement(job, run.work, run.cur, run.checked, removed_at))
            checked_in = time.monotonic() - t0
            affected = conn.execute(sql.SQL("SELECT coalesce(sum(n), 0)::bigint FROM {w}").format(w=run.work)).fetchone()[0]
            run.parse(sql.SQL("drugnorm.drug_parse(raw)"))
            only_results = sql.SQL("AND {t}.{o} IS NOT NULL").format(t=tbl, o=out)
            run.write(affected, only_results)
            run.stage = "finish"
            # rows that moved while we wrote (a concurrent UPDATE): one more pass, then verify
            left = _stragglers(conn, run, only_results)
            if left == 0:
                _mark(conn, job, run.cur, log)
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {w}").format(w=run.work))
    log(f"{job.tbl}.{into}: {run.written:,} rows re-parsed ({run.todo:,} distinct values parsed; "
        f"rows checked in {checked_in:.1f}s)" + (f"; {left:,} rows still pending (run again)" if left else ""))
    return run.written


def _candidates(job: _Job, work, where: sql.Composable) -> sql.Composed:
    """The rows (ctid) whose raw value the work table has a result for. Reads the table's raw values only: a
    stored result is looked at (detoasted) just for these rows, by a TID scan."""
    return sql.SQL("""ARRAY(SELECT t2.ctid FROM {t} t2 JOIN {w} w2 ON w2.raw = t2.{r}
                            WHERE w2.norm IS NOT NULL AND {where})""").format(
        t=job.tbl.ident, w=work, r=job.raw, where=where)


def _write_statement(job: _Job, work, cur: int, checked: int, extra: sql.Composable, where: sql.Composable):
    tbl, out = job.tbl.ident, job.out
    return sql.SQL("""UPDATE {t} SET {o} = w.norm FROM {w} w
                      WHERE {t}.ctid = ANY({c}) AND w.raw = {t}.{r} AND w.norm IS NOT NULL AND {p} {extra}""").format(
        t=tbl, o=out, w=work, r=job.raw, c=_candidates(job, work, where),
        p=_pending(sql.SQL("{t}.{o}").format(t=tbl, o=out), cur, checked), extra=extra)


def _stragglers(conn, run: _Run, extra) -> int:
    """Write rows the block ranges missed (moved by a concurrent UPDATE) and count what is still not done."""
    job = run.job
    tbl, out = job.tbl.ident, job.out
    where = sql.SQL("t2.{o} IS NOT NULL").format(o=out)
    run.written += conn.execute(_write_statement(job, run.work, run.cur, run.checked, extra, where)).rowcount
    return conn.execute(sql.SQL("SELECT count(*) FROM {t} WHERE ctid = ANY({c}) AND {p}").format(
        t=tbl, c=_candidates(job, run.work, where),
        p=_pending(sql.SQL("{t}.{o}").format(t=tbl, o=out), run.cur, run.checked))).fetchone()[0]


def _mark(conn, job: _Job, version: int, log) -> None:
    """Record that every result stored in the column is current as of ``version`` (nothing else changes:
    each result keeps the version it was made with)."""
    if not _marks_table(conn):
        log(f"note: this database has no {_MARKS} (run drugnorm-admin migrate): the check is not recorded, "
            "so parse-table will parse the rows of older versions again")
        return
    try:
        conn.execute(f"""INSERT INTO {_MARKS} AS m (tbl, raw_column, result_column, version)
                         VALUES (%s, %s, %s, %s)
                         ON CONFLICT (tbl, raw_column, result_column) DO UPDATE
                         SET version = greatest(m.version, excluded.version), checked_at = now(),
                             checked_by = current_user""", (job.tbl.oid, job.column, job.into, version))
    except psycopg.errors.InsufficientPrivilege as e:
        log(f"note: the check is not recorded ({_errline(e)}): parse-table will parse the rows of older "
            "versions again")


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
                             "see its value; use parse-table instead")
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
