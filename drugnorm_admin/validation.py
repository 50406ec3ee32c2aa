"""The checks of a load before anything is written: each row alone (check_rows), then the staged rows
against each other and the lexicon (check_staged).

The statements of check_staged are in sql/load_checks.sql, one named section each; every error names the
file and line of the first offending row. Staging (the table dn_stage and its keys) is loader.py's.
"""
from __future__ import annotations

from psycopg import sql

from . import queries
from .dictfile import OPTIONAL, REQUIRED, LoadError, Row

# Characters of a term (and of a standard or link naming one): keeps every key and its pinyin well within
# the ~2,700 bytes a btree index entry may hold (the longest bundled term has 79).
MAX_TERM = 250

# which dictionary each link column points into, and which dictionaries may carry it
LINKS = {"generic": ("generic_name", ("trade_name", "product_name")),
         "product": ("product_name", ("trade_name",)),
         "dosage_form": ("dosage_form", ("product_name",))}
FILE = "load_checks.sql"


def check_rows(rows: list[Row]) -> None:
    """What PostgreSQL would reject with a message naming no line: NUL characters, terms too long to index."""
    for r in rows:
        for col in REQUIRED + OPTIONAL:
            v = getattr(r, col)
            if v is None:
                continue
            if "\x00" in v:
                raise LoadError(f"{r.file}:{r.line}: NUL character in {col}")
            if col != "source" and len(v) > MAX_TERM:
                raise LoadError(f"{r.file}:{r.line}: {col} {v[:20]!r}... is {len(v)} characters long; "
                                f"a term has at most {MAX_TERM}")


def stage_table() -> str:
    """CREATE TEMP TABLE dn_stage: the rows of the files, and the keys computed for them."""
    return queries.read(FILE)["stage"]


def checks() -> list[sql.Composable]:
    """Every check, in the order they run: the check_* sections, then the link_* ones per link column."""
    sections = queries.read(FILE)
    out: list[sql.Composable] = [sql.SQL(q) for name, q in sections.items() if name.startswith("check_")]
    for col, (target, allowed) in LINKS.items():
        fill = {"column": sql.Literal(col), "term": sql.Identifier(col), "key": sql.Identifier(col + "_key"),
                "target": sql.Literal(target), "allowed_text": sql.Literal(" and ".join(allowed)),
                "allowed": sql.SQL("ARRAY[{}]").format(sql.SQL(", ").join(map(sql.Literal, allowed)))}
        out.extend(sql.SQL(q).format(**fill) for name, q in sections.items() if name.startswith("link_"))
    return out


def check_staged(conn) -> None:
    """Raise LoadError naming the file and line of the first row a check rejects."""
    for check in checks():
        bad = conn.execute(sql.SQL("SELECT * FROM (\n{}\n) c ORDER BY 1, 2 LIMIT 1").format(check)).fetchone()
        if bad:
            raise LoadError(f"{bad[0]}:{bad[1]}: {bad[2]}")
