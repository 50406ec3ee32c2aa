"""Whole tables: normalize, renormalize, and the trigger that keeps a column normalized (attach/detach).

normalize parses each distinct raw value once (hospital tables repeat the same strings many times) into
a work table, in batches spread over ``jobs`` connections, then writes the results back in block ranges
of the table. A row counts as done when its NORM holds a result of the current lexicon version, so an
interrupted run resumes where it stopped and a finished one does nothing.
"""
from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

from psycopg import sql

from .db import AdminError, connect, table_column
from .progress import Progress

_BATCH = 2000


def _target(conn, table: str, column: str):
    """Validated identifiers of an existing table and its text column."""
    tbl, typ = table_column(conn, table, column)
    if typ not in ("text", "character varying") and not typ.startswith(("character varying", "character(")):
        raise AdminError(f"column {table}.{column} is {typ}, expected text")
    return tbl


def _pending(into) -> sql.Composed:
    return sql.SQL("({into} IS NULL OR ({into}->>'lexicon_version')::bigint IS DISTINCT FROM "
                   "(SELECT version FROM drugnorm.state))").format(into=into)


def normalize(dsn: str, table: str, column: str, into: str, jobs: int = 1, log=print) -> dict:
    jobs = max(1, jobs)
    with connect(dsn, autocommit=True) as conn:
        tbl = _target(conn, table, column)
        raw, out = sql.Identifier(column), sql.Identifier(into)
        conn.execute(sql.SQL("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {o} jsonb").format(t=tbl, o=out))
        work = sql.Identifier("drugnorm", "work_" + hashlib.sha1(f"{table}.{column}.{into}".encode()).hexdigest()[:12])
        # The work table survives an interruption; values already parsed are kept.
        conn.execute(sql.SQL("CREATE UNLOGGED TABLE IF NOT EXISTS {w} (id bigserial PRIMARY KEY, raw text UNIQUE, "
                             "n bigint NOT NULL, norm jsonb)").format(w=work))
        conn.execute(sql.SQL("DELETE FROM {w} WHERE norm IS NOT NULL AND (norm->>'lexicon_version')::bigint "
                             "IS DISTINCT FROM (SELECT version FROM drugnorm.state)").format(w=work))
        conn.execute(sql.SQL("INSERT INTO {w} (raw, n) SELECT {r}, count(*) FROM {t} WHERE {r} IS NOT NULL AND {p} "
                             "GROUP BY {r} ON CONFLICT (raw) DO NOTHING").format(w=work, r=raw, t=tbl, p=_pending(out)))
        todo = [r[0] for r in conn.execute(sql.SQL("SELECT id FROM {w} WHERE norm IS NULL ORDER BY id").format(w=work))]
        rows_pending = conn.execute(sql.SQL("SELECT count(*) FROM {t} WHERE {r} IS NOT NULL AND {p}").format(
            t=tbl, r=raw, p=_pending(out))).fetchone()[0]
    batches = [todo[i:i + _BATCH] for i in range(0, len(todo), _BATCH)]
    prog = Progress(f"parsing {len(todo):,} distinct values", len(todo), min_total=0)
    done = [0]
    lock = threading.Lock()
    local = threading.local()

    def parse_batch(ids):
        if not hasattr(local, "conn"):
            local.conn = connect(dsn, autocommit=True)
        # record_review counts each distinct value as often as the table holds it (when the queue is on)
        local.conn.execute(sql.SQL("UPDATE {w} SET norm = drugnorm.record_review(drugnorm.drug_parse(raw), n::int) "
                                   "WHERE id >= %s AND id <= %s AND norm IS NULL").format(w=work), (ids[0], ids[-1]))
        with lock:
            done[0] += len(ids)
            prog.tick(done[0])
        return local.conn

    conns = set()
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for c in pool.map(parse_batch, batches):
                conns.add(c)
    finally:
        for c in conns:
            c.close()
    prog.done(done[0])

    with connect(dsn, autocommit=True) as conn:
        pages = conn.execute("SELECT greatest(relpages, 1) FROM pg_class WHERE oid = %s::regclass",
                             (table,)).fetchone()[0]
        pages = max(pages, conn.execute(sql.SQL("SELECT coalesce(max((ctid::text::point)[0])::bigint + 1, 1) "
                                                "FROM {t}").format(t=tbl)).fetchone()[0])
    step = max(1, pages // max(jobs * 8, 1))
    ranges = [(lo, min(lo + step, pages)) for lo in range(0, pages, step)]
    prog = Progress(f"writing {rows_pending:,} rows (block ranges)", len(ranges), min_total=0)
    written = [0]
    ranges_done = [0]

    def write_range(r):
        if not hasattr(local, "wconn"):
            local.wconn = connect(dsn, autocommit=True)
        lo, hi = r
        cur = local.wconn.execute(
            sql.SQL("UPDATE {t} SET {o} = w.norm FROM {w} w WHERE {t}.{r} = w.raw AND {t}.ctid >= %s::tid "
                    "AND {t}.ctid < %s::tid AND {p}").format(t=tbl, o=out, w=work, r=raw, p=_pending(sql.SQL(
                        "{t}.{o}").format(t=tbl, o=out))),
            (f"({lo},0)", f"({hi},0)"))
        with lock:
            written[0] += cur.rowcount
            ranges_done[0] += 1
            prog.tick(ranges_done[0])
        return local.wconn

    conns = set()
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for c in pool.map(write_range, ranges):
                conns.add(c)
    finally:
        for c in conns:
            c.close()
    prog.done(len(ranges))
    with connect(dsn, autocommit=True) as conn:
        left = conn.execute(sql.SQL("SELECT count(*) FROM {t} WHERE {r} IS NOT NULL AND {p}").format(
            t=tbl, r=raw, p=_pending(out))).fetchone()[0]
        if left == 0:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {w}").format(w=work))
    log(f"{table}.{into}: {written[0]:,} rows written from {len(todo):,} distinct values"
        + (f"; {left:,} rows still pending (run again)" if left else ""))
    return {"distinct": len(todo), "written": written[0], "pending": left}


def renormalize(dsn: str, table: str, column: str, into: str, log=print) -> int:
    """Redo only rows whose stored version is older and whose text contains a term changed since."""
    with connect(dsn) as conn:
        tbl = _target(conn, table, column)
        raw, out = sql.Identifier(column), sql.Identifier(into)
        n = conn.execute(sql.SQL(
            """UPDATE {t} SET {o} = drugnorm.drug_parse({r})
               WHERE {o} IS NOT NULL
                 AND ({o}->>'lexicon_version')::bigint < (SELECT version FROM drugnorm.state)
                 AND EXISTS (SELECT 1 FROM drugnorm.entry e
                             WHERE e.version > ({o}->>'lexicon_version')::bigint
                               AND strpos({o}->>'normalized', e.key) > 0)""").format(
            t=tbl, o=out, r=raw)).rowcount
        conn.commit()
    log(f"{table}.{into}: {n:,} rows renormalized")
    return n


def _trigger_name(column: str, into: str) -> str:
    return f"drugnorm_{column}_{into}"[:63]


def attach(dsn: str, table: str, column: str, into: str, log=print) -> None:
    with connect(dsn) as conn:
        tbl = _target(conn, table, column)
        conn.execute(sql.SQL("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {o} jsonb").format(
            t=tbl, o=sql.Identifier(into)))
        name = sql.Identifier(_trigger_name(column, into))
        conn.execute(sql.SQL("DROP TRIGGER IF EXISTS {n} ON {t}").format(n=name, t=tbl))
        conn.execute(sql.SQL("CREATE TRIGGER {n} BEFORE INSERT OR UPDATE OF {r} ON {t} FOR EACH ROW "
                             "EXECUTE FUNCTION drugnorm.normalize_trigger({rl}, {ol})").format(
            n=name, r=sql.Identifier(column), t=tbl, rl=sql.Literal(column), ol=sql.Literal(into)))
        conn.commit()
    log(f"attached: {table}.{into} = drug_parse({column}) on insert and update")


def detach(dsn: str, table: str, column: str, into: str, log=print) -> None:
    with connect(dsn) as conn:
        tbl = _target(conn, table, column)
        conn.execute(sql.SQL("DROP TRIGGER IF EXISTS {n} ON {t}").format(
            n=sql.Identifier(_trigger_name(column, into)), t=tbl))
        conn.commit()
    log(f"detached: {table}.{into} is no longer maintained (its values stay)")
