"""load-dict: dictionary files into the lexicon tables, validated, in one transaction.

Rows (read by dictfile.py, or built by another command) go to a temporary staging table first; every check
is a query over it that names the file and line of the first offending row (validation.py,
sql/load_checks.sql); only then are entries inserted or updated, and the index the fuzzy scoring reads
follows (scoring_index.py, sql/scoring_index.sql). Any error rolls everything back, so a failed load leaves
the database exactly as it was.

Every load records, entry by entry, what it added, changed and removed, with the state before
(``drugnorm.entry_history``, from 0.10 on): what ``revert`` restores. A dry run does all of it, checks
included, and rolls back, keeping the list of changes.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg

from . import newproducts, scoring_index, validation
from .db import connect
# The file format's names are the loader's too (loader.Row, loader.LoadError ...: other commands and the
# tests use them).
from .dictfile import LoadError, Row, read_file  # noqa: F401
from .progress import Progress
from .validation import MAX_TERM  # noqa: F401

# The state of an entry as load-dict's format writes it: term, standard, generic, product, dosage_form, source.
State = tuple


@dataclasses.dataclass
class Change:
    op: str                 # added | changed | removed
    dict: str
    key: str
    before: State | None
    after: State | None

    def line(self) -> str:
        def show(st):
            links = [f"{n} {v}" for n, v in zip(("standard", "generic", "product", "dosage_form"), st[1:5]) if v]
            return st[0] + (f" ({', '.join(links)})" if links else "")
        if self.op == "changed":
            return f"{self.dict:<20} {show(self.before)} -> {show(self.after)}"
        return f"{self.dict:<20} {show(self.after if self.op == 'added' else self.before)}"


@dataclasses.dataclass
class Summary:
    version: int | None
    per_dict: dict[str, dict[str, int]]
    changes: list[Change] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    def change_lines(self, limit: int | None = None) -> list[str]:
        """The added, changed and removed entries, each list under its heading (at most ``limit`` lines
        of each, with a count of the rest)."""
        out = []
        for op in ("added", "changed", "removed"):
            items = sorted((c for c in self.changes if c.op == op), key=lambda c: (c.dict, c.key))
            out.append(f"{op} ({len(items)}):")
            shown = items if limit is None else items[:limit]
            out.extend("  " + c.line() for c in shown)
            if len(shown) < len(items):
                out.append(f"  ... and {len(items) - len(shown)} more")
        return out

    def lines(self) -> list[str]:
        out = [f"{'dictionary':<20} {'rows':>8} {'added':>8} {'updated':>8} {'unchanged':>10} {'removed':>8}"]
        for d, c in sorted(self.per_dict.items()):
            out.append(f"{d:<20} {c['rows']:>8} {c['added']:>8} {c['updated']:>8} {c['unchanged']:>10} "
                       f"{c['removed']:>8}")
        if self.dry_run:
            out.append("dry run: nothing written" + ("" if any(c["added"] or c["updated"] or c["removed"]
                                                               for c in self.per_dict.values())
                                                      else "; nothing would change"))
        else:
            out.append(f"lexicon version: {self.version}" if self.version is not None
                       else "nothing changed; lexicon version unchanged")
        return out


def load(dsn: str, files: list[Path], replace: list[str] = (), encoding: str = "utf-8",
         log=print, note: dict | None = None, products: bool = False) -> Summary:
    """Load files; ``replace`` lists dictionaries whose entries absent from the files are removed;
    ``products`` (drugnorm-admin load-dict): new product names without links get the ones their name tells
    (newproducts.complete). The bundled lexicon and scripted loads are loaded exactly as written."""
    replace = list(replace or [])
    with connect(dsn) as conn:
        known = {r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary")}
        bad = [d for d in replace if d not in known]
        if bad:
            raise LoadError(f"--replace: unknown dict {', '.join(bad)} (known: {', '.join(sorted(known))})")
        require_editor(conn)       # before reading files that may be large
        rows: list[Row] = []
        for f in files:
            rows.extend(read_file(Path(f), encoding, known))
        summary = load_rows(conn, rows, replace, log, note or {"files": [str(f) for f in files]}, products=products)
        if summary.version is not None:
            vacuum(conn)
        return summary


def vacuum(conn) -> None:
    """Fresh statistics and visibility maps after a load: the candidate stage reads postings index-only."""
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) drugnorm.posting, drugnorm.entry, drugnorm.token_stat")


def require_editor(conn) -> None:
    """Refuse, naming the role to grant, unless the connected role may change the lexicon."""
    user, missing = conn.execute("""
        SELECT current_user, string_agg(priv || ' on ' || tbl, ', ')
        FROM (VALUES ('INSERT', 'drugnorm.entry'), ('UPDATE', 'drugnorm.entry'), ('DELETE', 'drugnorm.entry'),
                     ('INSERT', 'drugnorm.posting'), ('DELETE', 'drugnorm.posting'),
                     ('INSERT', 'drugnorm.token_stat'), ('UPDATE', 'drugnorm.token_stat'),
                     ('INSERT', 'drugnorm.lexicon_version'), ('UPDATE', 'drugnorm.state')) AS v(priv, tbl)
        WHERE NOT has_table_privilege(tbl, priv)""").fetchone()
    if missing:
        raise LoadError(f"role {user} may not change the lexicon (it lacks {missing}): load-dict, import and "
                        f"review import need a role granted drugnorm_editor (GRANT drugnorm_editor TO {user})")


def load_rows(conn, rows: list[Row], replace: list[str], log=print, note: dict | None = None,
              remove: list[tuple[str, str]] = (), dry_run: bool = False, products: bool = False) -> Summary:
    """Validate and write staged rows in the caller's connection, as one transaction. ``remove`` lists
    (dict, key) of entries to delete (revert); ``dry_run`` does everything, checks included, then rolls
    back: the summary says what would have changed. ``products``: new product names without links get them
    from their name where it tells them, and a warning where not (newproducts.complete)."""
    validation.check_rows(rows)
    require_editor(conn)
    try:
        return _load_rows(conn, rows, replace, log, note, list(remove or ()), dry_run, products)
    except _DryRun as d:
        return d.summary
    except psycopg.errors.ProgramLimitExceeded as e:   # check_rows keeps terms short; this is the last resort
        raise LoadError(f"a value is too long for the lexicon's indexes ({_primary(e)}); nothing was loaded") from e


class _DryRun(Exception):
    """Raised inside the load's transaction to roll it back, carrying the summary out."""

    def __init__(self, summary: Summary):
        super().__init__("dry run")
        self.summary = summary


def has_history(conn) -> bool:
    """Whether the schema records what each version changed (drugnorm.entry_history, 0.10 on)."""
    return conn.execute("SELECT to_regclass('drugnorm.entry_history') IS NOT NULL").fetchone()[0]


def _primary(e: psycopg.Error) -> str:
    diag = getattr(e, "diag", None)
    msg = diag.message_primary if diag is not None and diag.message_primary else str(e)
    return (msg.strip().splitlines() or [type(e).__name__])[0]


def _load_rows(conn, rows: list[Row], replace: list[str], log, note: dict | None,
               remove: list[tuple[str, str]], dry_run: bool, products: bool = False) -> Summary:
    with conn.transaction():
        # One loader at a time; readers are never blocked.
        conn.execute("LOCK TABLE drugnorm.entry IN SHARE ROW EXCLUSIVE MODE")
        conn.execute(validation.stage_table())
        conn.execute("CREATE TEMP TABLE dn_replace ON COMMIT DROP AS SELECT unnest(%s::text[]) AS dict", (replace,))
        conn.execute("CREATE TEMP TABLE dn_remove ON COMMIT DROP AS SELECT * FROM unnest(%s::text[], %s::text[]) "
                     "AS r(dict, key)", ([d for d, _ in remove], [k for _, k in remove]))
        version = conn.execute("""SELECT greatest(s.version, (SELECT max(version) FROM drugnorm.lexicon_version)) + 1
                                  FROM drugnorm.state s""").fetchone()[0]
        # The history is append-only for editors (from 0.10 on): the version row is inserted once, last,
        # with what changed; entries written before it point to it through the deferred foreign key. A
        # database not yet migrated (0.9.0) gets the row first, completed or removed at the end.
        append_only = _history_append_only(conn)
        if append_only:
            conn.execute("SET CONSTRAINTS drugnorm.entry_version_fkey DEFERRED")
        else:
            conn.execute("INSERT INTO drugnorm.lexicon_version (version) VALUES (%s)", (version,))
        prog = Progress("staging rows", len(rows), log=log)
        with conn.cursor().copy("COPY dn_stage (file, line, dict, term, standard, generic, product, "
                                "dosage_form, source) FROM STDIN") as cp:
            for i, r in enumerate(rows, 1):
                cp.write_row((r.file, r.line, r.dict, r.term, r.standard, r.generic, r.product,
                              r.dosage_form, r.source))
                prog.tick(i)
        prog.done()
        irrelevant_added = _compute_keys(conn, version)
        validation.check_staged(conn)
        if products:
            newproducts.complete(conn, log)
        history = has_history(conn)
        counts = _write(conn, replace, version, log, bool(remove))
        if irrelevant_added:
            c = counts["irrelevant_char"]
            c["added"] += irrelevant_added
            c["unchanged"] -= irrelevant_added
        changes = _changes(conn, version, history)
        if not any(c["added"] or c["updated"] or c["removed"] for c in counts.values()) and not changes:
            if not append_only:
                conn.execute("DELETE FROM drugnorm.lexicon_version WHERE version = %s", (version,))
            summary = Summary(None, counts, changes, dry_run)   # no entry carries the new version: none recorded
        else:
            what = dict(note or {})
            if history:
                what["history"] = True      # revert may undo this version
            _publish(conn, version, counts, what, append_only)
            summary = Summary(None if dry_run else version, counts, changes, dry_run)
        if dry_run:
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")     # the checks a commit would run
            raise _DryRun(summary)
        return summary


def _history_append_only(conn) -> bool:
    """Whether the schema records a version with one INSERT at the end (0.10 on: deferrable foreign key)."""
    row = conn.execute("""SELECT condeferrable FROM pg_constraint
                          WHERE conrelid = 'drugnorm.entry'::regclass AND conname = 'entry_version_fkey'""").fetchone()
    return bool(row and row[0])


def _compute_keys(conn, version) -> int:
    # Irrelevant characters first: the keys of everything else are computed without them.
    added = conn.execute("""INSERT INTO drugnorm.entry (dict, term, key, source, version)
                    SELECT DISTINCT ON (k.key) 'irrelevant_char', s.term, k.key, s.source, %s
                    FROM dn_stage s,
                         LATERAL unnest(drugnorm.lexicon_keys(ARRAY[s.term], ARRAY['irrelevant_char'])) k(key)
                    WHERE s.dict = 'irrelevant_char' AND k.key <> ''
                      AND NOT EXISTS (SELECT 1 FROM drugnorm.entry e
                                      WHERE e.dict = 'irrelevant_char' AND e.key = k.key)
                    ORDER BY k.key, s.file, s.line""", (version,)).rowcount
    conn.execute("""WITH src AS (
                        SELECT ctid AS id, dict, term, standard, generic, product, dosage_form FROM dn_stage),
                    arr AS (
                        SELECT array_agg(id ORDER BY id) AS ids,
                               drugnorm.lexicon_keys(array_agg(term ORDER BY id), array_agg(dict ORDER BY id)) AS k,
                               drugnorm.lexicon_keys(array_agg(standard ORDER BY id), array_agg(dict ORDER BY id)) AS sk,
                               drugnorm.lexicon_keys(array_agg(generic ORDER BY id),
                                                     array_agg('generic_name'::text ORDER BY id)) AS gk,
                               drugnorm.lexicon_keys(array_agg(product ORDER BY id),
                                                     array_agg('product_name'::text ORDER BY id)) AS pk,
                               drugnorm.lexicon_keys(array_agg(dosage_form ORDER BY id),
                                                     array_agg('dosage_form'::text ORDER BY id)) AS fk
                        FROM src)
                    UPDATE dn_stage s
                    SET key = u.k, std_key = u.sk, generic_key = u.gk, product_key = u.pk, dosage_form_key = u.fk
                    FROM arr, unnest(arr.ids, arr.k, arr.sk, arr.gk, arr.pk, arr.fk) AS u(id, k, sk, gk, pk, fk)
                    WHERE s.ctid = u.id""")
    conn.execute("ANALYZE dn_stage")
    return added


def _write(conn, replace: list[str], version: int, log, remove: bool = False) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for d, n in conn.execute("SELECT dict, count(DISTINCT key) FROM dn_stage GROUP BY dict"):
        counts[d] = {"rows": n, "added": 0, "updated": 0, "unchanged": 0, "removed": 0}
    for d in replace:
        counts.setdefault(d, {"rows": 0, "added": 0, "updated": 0, "unchanged": 0, "removed": 0})

    # One row per key: the first in file order (they agree, the checks made sure).
    conn.execute("""CREATE TEMP TABLE dn_want ON COMMIT DROP AS
                    SELECT DISTINCT ON (dict, key) * FROM dn_stage ORDER BY dict, key, file, line""")

    # The state before, of every entry this load may change or remove: what the history keeps.
    conn.execute("""CREATE TEMP TABLE dn_before ON COMMIT DROP AS
                    SELECT e.id, e.dict, e.key, e.version FROM drugnorm.entry e
                    WHERE e.version <> %(v)s
                      AND (EXISTS (SELECT 1 FROM dn_want w WHERE w.dict = e.dict AND w.key = e.key)
                           OR e.dict = ANY (%(r)s)
                           OR EXISTS (SELECT 1 FROM dn_remove x WHERE x.dict = e.dict AND x.key = e.key))""",
                 {"v": version, "r": replace})
    _add_states(conn, "dn_before")

    if replace or remove:
        _remove_absent(conn, replace, counts)

    # A standard that becomes a synonym must not keep synonyms or links pointing at it.
    bad = conn.execute("""SELECT w.file, w.line, w.term, o.term, o.dict
                          FROM dn_want w JOIN drugnorm.entry e ON e.dict = w.dict AND e.key = w.key
                          JOIN drugnorm.entry o ON e.id IN (o.standard_id, o.generic_id, o.product_id,
                                                            o.dosage_form_id)
                          WHERE w.std_key IS NOT NULL AND e.standard_id IS NULL
                            AND NOT EXISTS (SELECT 1 FROM dn_want w2 WHERE w2.dict = o.dict AND w2.key = o.key
                                            AND w2.std_key IS DISTINCT FROM w.key)
                          ORDER BY 1, 2 LIMIT 1""").fetchone()
    if bad:
        raise LoadError(f"{bad[0]}:{bad[1]}: {bad[2]!r} would become a synonym, but {bad[4]} {bad[3]!r} "
                        "still points to it; change that entry in the same load")

    # Standards first (synonyms and links point to them), then synonyms, then links.
    for is_std in (True, False):
        cond = "w.std_key IS NULL" if is_std else "w.std_key IS NOT NULL"
        for d, added in conn.execute(f"""
                WITH ins AS (
                    INSERT INTO drugnorm.entry (dict, term, key, source, version)
                    SELECT w.dict, w.term, w.key, w.source, %s FROM dn_want w
                    WHERE {cond} AND NOT EXISTS (SELECT 1 FROM drugnorm.entry e
                                                 WHERE e.dict = w.dict AND e.key = w.key)
                    RETURNING dict)
                SELECT dict, count(*) FROM ins GROUP BY dict""", (version,)):
            counts[d]["added"] += added
    conn.execute("""CREATE TEMP TABLE dn_target ON COMMIT DROP AS
                    SELECT e.id, w.term, w.source,
                           CASE WHEN w.std_key IS NULL THEN NULL ELSE s.id END AS standard_id,
                           g.id AS generic_id, p.id AS product_id, f.id AS dosage_form_id, e.version = %s AS new
                    FROM dn_want w
                    JOIN drugnorm.entry e ON e.dict = w.dict AND e.key = w.key
                    LEFT JOIN drugnorm.entry s ON s.dict = w.dict AND s.key = w.std_key
                    LEFT JOIN drugnorm.entry g ON g.dict = 'generic_name' AND g.key = w.generic_key
                    LEFT JOIN drugnorm.entry p ON p.dict = 'product_name' AND p.key = w.product_key
                    LEFT JOIN drugnorm.entry f ON f.dict = 'dosage_form' AND f.key = w.dosage_form_key""",
                 (version,))
    # Synonyms stop being standards before anything points to them as one.
    conn.execute("""UPDATE drugnorm.entry e SET generic_id = NULL, product_id = NULL, dosage_form_id = NULL
                    FROM dn_target t WHERE e.id = t.id AND t.standard_id IS NOT NULL""")
    for d, updated in conn.execute("""
            WITH upd AS (
                UPDATE drugnorm.entry e
                SET term = t.term, source = t.source, standard_id = t.standard_id, generic_id = t.generic_id,
                    product_id = t.product_id, dosage_form_id = t.dosage_form_id, version = %s
                FROM dn_target t
                WHERE e.id = t.id
                  AND (e.term, e.source, e.standard_id, e.generic_id, e.product_id, e.dosage_form_id)
                      IS DISTINCT FROM (t.term, t.source, t.standard_id, t.generic_id, t.product_id,
                                        t.dosage_form_id)
                RETURNING e.dict, t.new)
            SELECT dict, count(*) FILTER (WHERE NOT new) FROM upd GROUP BY dict""", (version,)):
        counts[d]["updated"] += updated
    for c in counts.values():
        c["unchanged"] = c["rows"] - c["added"] - c["updated"]
    scoring_index.add_new_entries(conn, log)
    return counts


def _remove_absent(conn, replace, counts) -> None:
    """Remove the entries of replaced dictionaries the files do not list, and those listed in dn_remove."""
    doomed = """SELECT e.id FROM drugnorm.entry e
                WHERE (e.dict = ANY (%(r)s)
                       OR EXISTS (SELECT 1 FROM dn_remove x WHERE x.dict = e.dict AND x.key = e.key))
                  AND NOT EXISTS (SELECT 1 FROM dn_want w WHERE w.dict = e.dict AND w.key = e.key)"""
    bad = conn.execute(f"""SELECT o.dict, o.term, e.dict, e.term FROM drugnorm.entry o
                           JOIN drugnorm.entry e ON e.id IN (o.standard_id, o.generic_id, o.product_id,
                                                              o.dosage_form_id)
                           WHERE e.id IN ({doomed}) AND o.id NOT IN ({doomed})
                             AND NOT EXISTS (SELECT 1 FROM dn_want w WHERE w.dict = o.dict AND w.key = o.key)
                           LIMIT 1""", {"r": replace}).fetchone()
    if bad:
        if bad[2] in replace:
            raise LoadError(f"--replace {bad[2]} would remove {bad[3]!r}, which {bad[0]} {bad[1]!r} still "
                            "points to; replace that dictionary in the same load or keep the entry")
        raise LoadError(f"removing {bad[2]} {bad[3]!r} would leave {bad[0]} {bad[1]!r} pointing to nothing")
    conn.execute(f"CREATE TEMP TABLE dn_doomed ON COMMIT DROP AS {doomed}", {"r": replace})
    for col in ("standard_id", "generic_id", "product_id", "dosage_form_id"):
        conn.execute(f"UPDATE drugnorm.entry SET {col} = NULL WHERE {col} IN (SELECT id FROM dn_doomed)")
    scoring_index.remove_doomed(conn)
    for d, n in conn.execute("""WITH del AS (DELETE FROM drugnorm.entry WHERE id IN (SELECT id FROM dn_doomed)
                                             RETURNING dict)
                                SELECT dict, count(*) FROM del GROUP BY dict"""):
        counts.setdefault(d, {"rows": 0, "added": 0, "updated": 0, "unchanged": 0, "removed": 0})
        counts[d]["removed"] += n


def _add_states(conn, table: str) -> None:
    """Give a temp table of entry ids the state export-dict would write for each (term, links as terms)."""
    conn.execute(f"""ALTER TABLE {table} ADD COLUMN term text, ADD COLUMN standard text, ADD COLUMN generic text,
                         ADD COLUMN product text, ADD COLUMN dosage_form text, ADD COLUMN source text""")
    conn.execute(f"""UPDATE {table} b SET term = e.term, standard = s.term, generic = g.term, product = p.term,
                         dosage_form = f.term, source = e.source
                     FROM drugnorm.entry e
                     LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
                     LEFT JOIN drugnorm.entry g ON g.id = e.generic_id
                     LEFT JOIN drugnorm.entry p ON p.id = e.product_id
                     LEFT JOIN drugnorm.entry f ON f.id = e.dosage_form_id
                     WHERE e.id = b.id""")


def _changes(conn, version: int, history: bool) -> list[Change]:
    """What this load added, changed and removed, compared with dn_before; recorded in the history when
    the schema has one. An entry whose state changed without a new version (a link cleared because what
    it pointed to went) gets the version too."""
    conn.execute("""CREATE TEMP TABLE dn_after ON COMMIT DROP AS
                    SELECT e.id, e.dict, e.key FROM drugnorm.entry e
                    WHERE e.version = %s OR e.id IN (SELECT id FROM dn_before)""", (version,))
    _add_states(conn, "dn_after")
    cols = ("term", "standard", "generic", "product", "dosage_form", "source")
    b_cols, a_cols = ", ".join("b." + c for c in cols), ", ".join("a." + c for c in cols)
    rows = conn.execute(f"""
        SELECT CASE WHEN b.id IS NULL THEN 'added' WHEN a.id IS NULL THEN 'removed' ELSE 'changed' END,
               coalesce(a.dict, b.dict), coalesce(a.key, b.key), b.id IS NOT NULL, {b_cols},
               a.id IS NOT NULL, {a_cols}, coalesce(a.id, b.id), b.version
        FROM dn_before b FULL JOIN dn_after a ON a.id = b.id
        WHERE b.id IS NULL OR a.id IS NULL OR ({b_cols}) IS DISTINCT FROM ({a_cols})""").fetchall()
    changes = [Change(r[0], r[1], r[2], tuple(r[4:10]) if r[3] else None, tuple(r[11:17]) if r[10] else None)
               for r in rows]
    stale = [r[17] for r in rows if r[0] == "changed"]
    if stale:
        conn.execute("UPDATE drugnorm.entry SET version = %s WHERE id = ANY (%s) AND version <> %s",
                     (version, stale, version))
    if history and changes:
        # added: the entry as added; changed, removed: the entry as it was, and the version it had
        with conn.cursor().copy("COPY drugnorm.entry_history (version, op, dict, key, term, standard, generic, "
                                "product, dosage_form, source, prev_version) FROM STDIN") as cp:
            for c, r in zip(changes, rows):
                state = (c.after[0],) + (None,) * 5 if c.op == "added" else c.before
                cp.write_row((version, c.op[0], c.dict, c.key, *state, r[18]))
    return changes


def _publish(conn, version, counts, note, append_only: bool = True) -> None:
    """Record the version and make it current: caches of every backend reload on their next call."""
    what = dict(note)
    what["counts"] = counts
    if append_only:
        conn.execute("INSERT INTO drugnorm.lexicon_version (version, what) VALUES (%s, %s)",
                     (version, json.dumps(what, ensure_ascii=False)))
    else:
        conn.execute("UPDATE drugnorm.lexicon_version SET what = %s WHERE version = %s",
                     (json.dumps(what, ensure_ascii=False), version))
    conn.execute("UPDATE drugnorm.state SET version = %s", (version,))
    conn.execute("""UPDATE drugnorm.state SET n_entries = (
                        SELECT count(*) FROM drugnorm.entry e
                        JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set')""")
