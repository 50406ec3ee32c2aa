"""`stats`: what each dictionary holds, what is inconsistent in it, and, given a column of stored
drug_parse results, which entries no result ever matched (candidates for review or removal).

drug_parse is STABLE and writes nothing, so use is measured from the results a hospital keeps
(`parse-table`, `attach`), not counted at call time.
"""
from __future__ import annotations

from psycopg import sql

from .db import AdminError, connect, table_column

HEADER = ("dictionary", "entries", "standard", "synonym", "no generic", "orphan syn", "never matched")


def _usage_source(conn, table: str, column: str) -> sql.Composed:
    tbl, typ = table_column(conn, table, column)   # --table parsed like psql's names, resolved to one table
    if typ != "jsonb":
        raise AdminError(f"column {column!r} of {tbl} is {typ}, expected jsonb results of drug_parse")
    return sql.SQL(
        # a spec segment's term is the whole "20mg"; the unit entry it used is its "unit"
        "SELECT DISTINCT seg->>'attribute' AS dict, coalesce(seg->>'unit', seg->>'term') AS term "
        "FROM {t} r, jsonb_array_elements(CASE WHEN jsonb_typeof(r.{c}->'segments') = 'array' "
        "THEN r.{c}->'segments' END) seg").format(
        t=tbl.ident, c=sql.Identifier(column))


def stats(dsn: str, usage: tuple[str, str] | None = None) -> list[tuple]:
    """One row per dictionary, in HEADER's order; 'never matched' is None without ``usage`` (TABLE, COLUMN).

    An orphan synonym points to an entry that is not a standard (load-dict never makes one; a hand edit
    of the tables can)."""
    with connect(dsn) as conn:
        used = _usage_source(conn, *usage) if usage else sql.SQL("SELECT NULL::text AS dict, NULL::text AS term "
                                                                  "WHERE false")
        # irrelevant characters are deleted, never matched: no figure for them
        never = (sql.SQL("CASE WHEN d.name <> 'irrelevant_char' THEN count(e.id) FILTER (WHERE NOT EXISTS "
                         "(SELECT 1 FROM used u WHERE u.dict = e.dict AND u.term = e.term)) END")
                 if usage else sql.SQL("NULL::bigint"))
        return conn.execute(sql.SQL(
            """WITH used AS MATERIALIZED ({used})
               SELECT d.name, count(e.id), count(e.id) FILTER (WHERE e.standard_id IS NULL),
                      count(e.id) FILTER (WHERE e.standard_id IS NOT NULL),
                      count(e.id) FILTER (WHERE e.standard_id IS NULL AND d.name IN ('trade_name', 'product_name')
                                          AND e.generic_id IS NULL),
                      count(e.id) FILTER (WHERE s.standard_id IS NOT NULL OR s.dict <> e.dict),
                      {never}
               FROM drugnorm.dictionary d
               LEFT JOIN drugnorm.entry e ON e.dict = d.name
               LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
               GROUP BY d.name, d.priority ORDER BY d.priority""").format(used=used, never=never)).fetchall()
