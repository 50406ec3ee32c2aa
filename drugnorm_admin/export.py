"""export-dict: the lexicon back in load-dict format, so that export then load-dict is lossless."""
from __future__ import annotations

from .db import AdminError, connect

COLUMNS = ("dict", "term", "standard", "generic", "product", "dosage_form", "source")


def check_dicts(dsn: str, dicts: list[str] | None) -> None:
    """A clear AdminError for a --dict the database does not have (it would export 0 rows, silently)."""
    if not dicts:
        return
    with connect(dsn) as conn:
        known = [r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary ORDER BY priority")]
    unknown = [d for d in dicts if d not in known]
    if unknown:
        raise AdminError(f"no dictionary {', '.join(map(repr, unknown))}: the dictionaries are {', '.join(known)}")


def export(dsn: str, out, dicts: list[str] | None = None) -> int:
    """Write standards before synonyms (either order loads); returns the rows written."""
    with connect(dsn) as conn:
        rows = conn.execute(
            """SELECT e.dict, e.term, s.term, g.term, p.term, f.term, e.source
               FROM drugnorm.entry e
               LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
               LEFT JOIN drugnorm.entry g ON g.id = e.generic_id
               LEFT JOIN drugnorm.entry p ON p.id = e.product_id
               LEFT JOIN drugnorm.entry f ON f.id = e.dosage_form_id
               WHERE %(d)s::text[] IS NULL OR e.dict = ANY (%(d)s::text[])
               ORDER BY e.dict, e.standard_id IS NOT NULL, e.key""", {"d": dicts or None}).fetchall()
    for r in rows:      # checked before anything is written
        bad = next((v for v in r if v is not None and any(ch in v for ch in "\t\n\r")), None)
        if bad is not None:
            raise AdminError(f"{r[0]} entry {r[1]!r}: {bad!r} holds a tab or line break, which load-dict's "
                             "format cannot carry; correct the entry (load-dict with the term fixed), then export")
    out.write("\t".join(COLUMNS) + "\n")
    for r in rows:
        out.write("\t".join("" if v is None else v for v in r) + "\n")
    return len(rows)
