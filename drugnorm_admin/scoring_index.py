"""The inverted index the fuzzy scoring reads (sql/scoring.sql): dimension columns of new entries, their
postings and the document frequencies of their tokens; and the postings and frequencies of removed ones.

The statements are in sql/scoring_index.sql, beside scoring.sql, named; the tokens themselves are
computed by the database (drugnorm.entry_dims, plpython/dimensions.py) from the phrase-aware readings
computed here with pypinyin.
"""
from __future__ import annotations

from pypinyin import Style, lazy_pinyin

from . import queries
from .progress import Progress

# The dimensions of plpython/dimensions.py, which the wheel does not carry (tests/unit/test_scoring_index.py
# holds them to it and to sql/scoring.sql).
SCORING_DIMS = "hifcpo"     # the order of entry.dim_len and entry_weight.w
CHARACTER_DIMS = "ho"       # a hanzi, or a letter or digit: one character of the entry (posting.len, N)
RECALL_DIMS = "hos"         # the tokens whose postings the candidate stage reads
FILE = "scoring_index.sql"
BATCH = 5000


def readings(key: str) -> str:
    """Phrase-aware pinyin per character of a key, space-separated, '' for non-hanzi positions."""
    out = lazy_pinyin(key, style=Style.NORMAL, errors=lambda s: [""] * len(s), v_to_u=False)
    if len(out) != len(key):   # pypinyin merged something: fall back to one character at a time
        out = [lazy_pinyin(ch, style=Style.NORMAL, errors=lambda s: [""] * len(s))[0] if ch.strip() else ""
               for ch in key]
    return " ".join(r if r.isascii() and r.isalpha() else "" for r in out)


def add_new_entries(conn, log) -> None:
    """Dimension columns and postings of dictionary-set entries that have none yet (new keys)."""
    q = queries.read(FILE)
    todo = conn.execute(q["new_entries"]).fetchall()
    if not todo:
        return
    index = {"characters": [SCORING_DIMS.index(d) + 1 for d in CHARACTER_DIMS], "recall": list(RECALL_DIMS)}
    prog = Progress("computing dimensions", len(todo), log=log)
    for start in range(0, len(todo), BATCH):
        part = todo[start:start + BATCH]
        keys = [r[1] for r in part]
        conn.execute(q["dims_table"])
        conn.execute(q["clear_dims"])
        conn.execute(q["compute_dims"], {"keys": keys, "readings": [readings(k) for k in keys],
                                         "ids": [r[0] for r in part]})
        conn.execute(q["write_dims"])
        conn.execute(q["add_postings"], index)
        conn.execute(q["add_token_stats"])
        prog.tick(start + len(part))
    prog.done()


def remove_doomed(conn) -> None:
    """The postings and document frequencies of the entries in the temp table dn_doomed, before they go."""
    q = queries.read(FILE)
    for name in ("remove_token_stats", "drop_unused_tokens", "remove_postings"):
        conn.execute(q[name])
