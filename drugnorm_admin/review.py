"""The curation loop: review export (fold the queue, write what needs a decision) and review import."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from . import loader
from .db import AdminError, connect

EXPORT_COLUMNS = ("fragment", "count", "match", "first_seen", "last_seen", "candidate_1", "candidate_2",
                  "candidate_3", "dict", "standard")


def fold(conn) -> None:
    """Move queued events into review_item (one row per fragment), in one statement."""
    conn.execute("""WITH ev AS (DELETE FROM drugnorm.review_event RETURNING *),
                         agg AS (SELECT fragment, (array_agg(match ORDER BY seen_at DESC))[1] AS match,
                                        sum(n) AS n, min(seen_at) AS first_seen, max(seen_at) AS last_seen,
                                        (array_agg(candidates ORDER BY seen_at DESC))[1] AS candidates
                                 FROM ev GROUP BY fragment)
                    INSERT INTO drugnorm.review_item AS r (fragment, match, count, first_seen, last_seen, candidates)
                    SELECT fragment, match, n, first_seen, last_seen, candidates FROM agg
                    ON CONFLICT (fragment) DO UPDATE
                    SET count = r.count + excluded.count, last_seen = excluded.last_seen,
                        match = excluded.match, candidates = coalesce(excluded.candidates, r.candidates)""")


def export(dsn: str, path: Path, min_count: int = 1) -> int:
    with connect(dsn) as conn:
        with conn.transaction():
            fold(conn)
        rows = conn.execute("""SELECT fragment, count, match, first_seen, last_seen, candidates
                               FROM drugnorm.review_item
                               WHERE resolved_version IS NULL AND count >= %s
                               ORDER BY count DESC, fragment""", (min_count,)).fetchall()
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(EXPORT_COLUMNS) + "\n")
        for frag, count, match, first, last, cands in rows:
            tops = [f"{c['standard']}|{c['attribute']}|{c['s']:.3f}" for c in (cands or [])[:3]]
            tops += [""] * (3 - len(tops))
            guess = (cands or [{}])[0]
            f.write("\t".join(_clean(v) for v in (frag, str(count), match, first.isoformat(timespec="seconds"),
                                                  last.isoformat(timespec="seconds"), *tops,
                                                  guess.get("attribute", ""), "")) + "\n")
    return len(rows)


def _clean(v: str) -> str:
    return (v or "").replace("\t", " ").replace("\n", " ")


def import_decisions(dsn: str, path: Path, log=print) -> loader.Summary:
    """Rows whose `standard` is filled become synonyms (or, when standard = fragment, new standards)."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = {"fragment", "dict", "standard"} - set(reader.fieldnames or [])
    if missing:
        raise AdminError(f"{path}:1: header lacks {', '.join(sorted(missing))}")
    rows, decided = [], []
    for n, r in enumerate(reader, start=2):
        std = (r.get("standard") or "").strip()
        if not std:
            continue
        frag, d = r["fragment"].strip(), (r.get("dict") or "").strip()
        rows.append(loader.Row(str(path), n, d, frag, None if std == frag else std, None, None, None,
                               f"review:{path.name}"))
        decided.append((frag, d, std))
    if not rows:
        raise AdminError(f"{path}: no row has a standard filled in; nothing to import")
    with connect(dsn) as conn:
        known = {r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary")}
        for r in rows:
            if r.dict not in known:
                raise AdminError(f"{r.file}:{r.line}: unknown dict {r.dict!r}")
        summary = loader.load_rows(conn, rows, [], log, {"review_import": str(path)})
        version = summary.version or conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
        for frag, d, std in decided:
            conn.execute("""UPDATE drugnorm.review_item SET resolved_dict = %s, resolved_standard = %s,
                            resolved_version = %s WHERE fragment = %s""", (d, std, version, frag))
        conn.commit()
        if summary.version is not None:
            loader.vacuum(conn)
    return summary


def queue_size(conn) -> tuple[int, int]:
    return conn.execute("""SELECT (SELECT count(*) FROM drugnorm.review_item WHERE resolved_version IS NULL),
                                  (SELECT count(*) FROM drugnorm.review_event)""").fetchone()
