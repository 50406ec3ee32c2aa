"""What the desk's pages show, read with the connecting role's rights: the queue (review.py's), the tables of
stored results and their coverage, the lexicon (drug_lookup and entries)."""
from __future__ import annotations

import contextlib
import queue
import threading
import time

import psycopg
from psycopg import sql
from pypinyin import Style, lazy_pinyin

from .. import loader, review
from ..db import AdminError, connect

FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form", "manufacturer")
EVIDENCE = ("exact", "synonym", "link", "fuzzy", "inferred", "unknown")
STATUSES = ("exact", "fuzzy", "inferred", "none")
EVIDENCE_COLUMN = {"generic_name": "generic_evidence", "trade_name": "trade_evidence",     # of drugnorm.flat()
                   "product_name": "product_evidence", "dosage_form": "dosage_form_evidence",
                   "manufacturer": "manufacturer_evidence"}
PROBE_TIMEOUT_MS = 2000       # looking at one column to tell whether it holds drug_parse results
COUNT_TIMEOUT_MS = 15000      # the reparse-table estimate, per table
MAX_PROBED = 60               # jsonb columns looked at


def pinyin_key(s: str) -> tuple:
    """Chinese order: by pinyin (with tones as digits), then by the text itself."""
    return (" ".join(lazy_pinyin(s or "", style=Style.TONE3, errors="default")).lower(), s or "")


class Pool:
    """A few autocommit connections of the desk's role, reused across requests (a new backend would load the
    lexicon caches of drug_lookup again)."""

    def __init__(self, dsn: str, size: int = 4):
        self.dsn, self.size = dsn, size
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._lock = threading.Lock()
        self._closed = False

    @contextlib.contextmanager
    def conn(self):
        try:
            c = self._idle.get_nowait()
        except queue.Empty:
            c = connect(self.dsn, autocommit=True)
        try:
            yield c
        finally:
            if c.closed or c.broken or self._closed:
                c.close()
            else:
                if c.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    c.rollback()
                if self._idle.qsize() < self.size:
                    self._idle.put(c)
                else:
                    c.close()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def whoami(conn) -> dict:
    """The connected role and whether it may decide (drugnorm_editor's rights on the lexicon and the queue)."""
    role = conn.execute("SELECT current_user::text").fetchone()[0]
    try:
        loader.require_editor(conn)
        editor = conn.execute("SELECT has_table_privilege('drugnorm.review_item', 'UPDATE') "
                              "AND has_table_privilege('drugnorm.review_event', 'DELETE')").fetchone()[0]
    except AdminError:
        editor = False
    version = conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
    return {"role": role, "editor": bool(editor), "version": version}


def dictionaries(conn) -> list[tuple[str, str, str]]:
    """(name, Chinese attribute, kind) of every dictionary, in priority order."""
    return conn.execute("SELECT name, attribute, kind FROM drugnorm.dictionary ORDER BY priority, name").fetchall()


def queue_page(conn, page: int, per_page: int, min_count: int = 1) -> dict:
    """One page of the open queue; folding the events first needs an editor (it moves rows)."""
    items = review.open_items(conn, min_count, per_page + 1, page * per_page)
    total = conn.execute("SELECT count(*) FROM drugnorm.review_item WHERE resolved_version IS NULL "
                         "AND ignored_at IS NULL AND count >= %s", (min_count,)).fetchone()[0]
    events = conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0]
    out = []
    for frag, count, match, first, last, cands, examples in items[:per_page]:
        out.append({"fragment": frag, "count": count, "match": match, "first_seen": first, "last_seen": last,
                    "candidates": review.top_candidates(cands, 3), "examples": list(examples)})
    # ties in frequency in Chinese order (the database's collation may be by code point)
    out.sort(key=lambda it: (-it["count"], pinyin_key(it["fragment"])))
    return {"items": out, "more": len(items) > per_page, "total": total, "events": events}


def item(conn, fragment: str) -> dict | None:
    rows = review.open_items(conn, 1, 1, 0, fragment)
    if not rows:
        return None
    frag, count, match, first, last, cands, examples = rows[0]
    return {"fragment": frag, "count": count, "match": match, "candidates": review.top_candidates(cands, 3),
            "examples": list(examples)}


# ---- tables of stored results -------------------------------------------------------------------------

_cache: dict = {}


def result_columns(conn, ttl: float = 60.0) -> list[dict]:
    """The columns of stored drug_parse results this role can read: jsonb columns of ordinary tables whose
    first non-null value is a result (filled by parse-table or by an attach trigger); attached ones say so."""
    key = (conn.info.dsn, conn.execute("SELECT current_user::text").fetchone()[0])
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < ttl:
        return hit[1]
    cols = conn.execute(
        """SELECT c.oid::bigint, n.nspname::text, c.relname::text, a.attname::text,
                  format('%%I.%%I', n.nspname, c.relname),
                  EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                          AND t.tgfoid = to_regprocedure('drugnorm.normalize_trigger()'))
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE a.atttypid = 'jsonb'::regtype AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
             AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'drugnorm') AND n.nspname NOT LIKE 'pg\\_%%'
             AND c.relname NOT LIKE 'drugnorm\\_work\\_%%'
             AND has_schema_privilege(n.oid, 'USAGE') AND has_column_privilege(c.oid, a.attnum, 'SELECT')
           ORDER BY 6 DESC, 5, 4 LIMIT %s""", (MAX_PROBED,)).fetchall()
    found = []
    for oid, schema, table, column, display, attached in cols:
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_MS}")
                doc = conn.execute(sql.SQL("SELECT {c} FROM {t} WHERE {c} IS NOT NULL LIMIT 1").format(
                    c=sql.Identifier(column), t=sql.Identifier(schema, table))).fetchone()
        except psycopg.Error:
            continue
        if doc and isinstance(doc[0], dict) and "segments" in doc[0] and "lexicon_version" in doc[0]:
            found.append({"id": f"{display}.{sql.Identifier(column).as_string(conn)}", "schema": schema,
                          "table": table, "column": column, "display": display, "attached": attached})
    _cache[key] = (time.monotonic(), found)
    return found


def coverage(conn, schema: str, table: str, column: str, top: int = 20) -> dict:
    """The numbers of a column of stored results, as `stats --table` reads them (drugnorm.flat): rows per
    status; per field, rows by evidence (exact, synonym, link, fuzzy, inferred; unknown: no value); the
    commonest strings not fully recognized (status inferred or none)."""
    t, c = sql.Identifier(schema, table), sql.Identifier(column)
    total, results = conn.execute(sql.SQL("SELECT count(*), count({c}) FROM {t}").format(t=t, c=c)).fetchone()
    status = dict(conn.execute(sql.SQL("SELECT f.status, count(*) FROM {t} r, drugnorm.flat(r.{c}) f "
                                       "GROUP BY 1").format(t=t, c=c)).fetchall())
    ev_cols = ", ".join(f"('{f}', f.{EVIDENCE_COLUMN[f]}, f.{f})" for f in FIELDS)
    by_field = {f: {} for f in FIELDS}
    for field, ev, n in conn.execute(sql.SQL(
            "SELECT e.field, CASE WHEN e.value IS NULL THEN 'unknown' ELSE coalesce(e.evidence, 'unrecorded') END, "
            "count(*) FROM {t} r, drugnorm.flat(r.{c}) f, LATERAL (VALUES " + ev_cols + ") e(field, evidence, value) "
            "GROUP BY 1, 2").format(t=t, c=c)):
        by_field[field][ev] = n
    unresolved = conn.execute(sql.SQL(
        "SELECT r.{c}->>'input', f.status, count(*) FROM {t} r, drugnorm.flat(r.{c}) f "
        "WHERE f.status IN ('inferred', 'none') GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT %s").format(t=t, c=c),
        (top,)).fetchall()
    unresolved.sort(key=lambda r: (-r[2], pinyin_key(r[0] or "")))

    def shares(counts: dict, keys) -> list[dict]:
        whole = sum(counts.values()) or 1
        keys = list(keys) + sorted(k for k in counts if k not in keys)
        out, x = [], 0.0
        for k in keys:
            n = counts.get(k, 0)
            out.append({"key": k, "n": n, "pct": 100.0 * n / whole, "x": x})
            x += 100.0 * n / whole
        return out

    return {"rows": total, "results": results, "status": shares(status, STATUSES),
            "fields": [{"field": f, "parts": shares(by_field[f], EVIDENCE)} for f in FIELDS],
            "unresolved": unresolved}


def renormalize_estimate(conn, version: int, columns: list[dict]) -> list[tuple[str, int | None]]:
    """APPROXIMATION until bulk.py exposes reparse-table's own count: per table, the stored results older than
    ``version`` whose normalized text contains a term that version added or changed (reparse-table's main
    test; it also redoes results naming a term removed since, which a review decision never does)."""
    out = []
    for col in columns:
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL statement_timeout = {COUNT_TIMEOUT_MS}")
                n = conn.execute(sql.SQL(
                    """SELECT count(*) FROM {t} r
                       WHERE (r.{c}->>'lexicon_version')::bigint < %(v)s
                         AND EXISTS (SELECT 1 FROM drugnorm.entry e WHERE e.version = %(v)s
                                     AND strpos(r.{c}->>'normalized', e.key) > 0)""").format(
                    t=sql.Identifier(col["schema"], col["table"]), c=sql.Identifier(col["column"])),
                    {"v": version}).fetchone()[0]
        except psycopg.Error:
            n = None
        out.append((f"{col['display']}.{col['column']}", n))
    return out


# ---- the lexicon ----------------------------------------------------------------------------------------

def lookup(conn, q: str, k: int = 20) -> list[dict]:
    q = (q or "").strip()[:100]
    if not q:
        return []
    rows = conn.execute("SELECT term, standard, attribute, generic, score, match FROM drugnorm.drug_lookup(%s, %s)",
                        (q, k)).fetchall()
    return [{"term": t, "standard": s, "attribute": a, "generic": g, "score": sc, "match": m}
            for t, s, a, g, sc, m in rows]


def entry(conn, dict_name: str, term: str) -> dict | None:
    """An entry with its standard, its synonyms, its links and what links to it."""
    row = conn.execute(
        """SELECT e.id, e.dict, e.term, e.source, e.version, coalesce(s.id, e.id), coalesce(s.term, e.term),
                  e.standard_id IS NULL
           FROM drugnorm.entry e LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
           WHERE e.dict = %s AND (e.term = %s OR e.key = drugnorm.normalize(%s))
           ORDER BY e.term = %s DESC LIMIT 1""", (dict_name, term, term, term)).fetchone()
    if row is None:
        return None
    eid, d, t, source, version, std_id, std_term, is_std = row
    links = conn.execute(
        """SELECT g.term, p.term, f.term, s.source, s.version FROM drugnorm.entry s
           LEFT JOIN drugnorm.entry g ON g.id = s.generic_id
           LEFT JOIN drugnorm.entry p ON p.id = s.product_id
           LEFT JOIN drugnorm.entry f ON f.id = s.dosage_form_id WHERE s.id = %s""", (std_id,)).fetchone()
    synonyms = sorted((r[0] for r in conn.execute(
        "SELECT term FROM drugnorm.entry WHERE standard_id = %s LIMIT 500", (std_id,))), key=pinyin_key)
    linked = conn.execute(
        """SELECT dict, term, CASE WHEN generic_id = %(i)s THEN 'generic' WHEN product_id = %(i)s THEN 'product'
                                   ELSE 'dosage_form' END
           FROM drugnorm.entry WHERE (generic_id = %(i)s OR product_id = %(i)s OR dosage_form_id = %(i)s)
             AND standard_id IS NULL LIMIT 200""", {"i": std_id}).fetchall()
    linked.sort(key=lambda r: (r[0], pinyin_key(r[1])))
    return {"dict": d, "term": t, "source": source, "version": version, "standard": std_term, "is_standard": is_std,
            "generic": links[0], "product": links[1], "dosage_form": links[2], "standard_source": links[3],
            "synonyms": synonyms, "linked": linked}
