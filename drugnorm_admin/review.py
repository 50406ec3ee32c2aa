"""The curation loop: review export (fold the queue, write what needs a decision) and review import.

Every role granted drugnorm_reader may append to the queue (drugnorm.review_event), so what it holds is
untrusted. The fold moves only events shaped as drug_parse_review records them (a fragment of 1 to 200
characters, a known match, n >= 1, a real timestamp, candidates absent or a list of {standard, attribute, s});
any other event stays in review_event, quarantined, and each export names it in a warning. The file is safe
to open in a spreadsheet and to read back: in every cell a backslash, tab, newline and carriage return are
written as \\\\, \\t, \\n and \\r, and a cell starting with = + - @ or ' gets a leading ' (a formula would
run otherwise); import strips that quote and decodes the escapes.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from . import loader
from .db import AdminError, connect

EXPORT_COLUMNS = ("fragment", "count", "match", "first_seen", "last_seen", "candidate_1", "candidate_2",
                  "candidate_3", "dict", "standard")
MAX_FRAGMENT = 200          # drugnorm.record_review records no longer fragment
MATCHES = ("fuzzy", "inferred", "none")
SHOWN = 10                  # quarantined events or bad rows named in one warning

# Why an event cannot be folded, or NULL: the shape drugnorm.record_review writes, checked in SQL.
_EVENT_PROBLEM = f"""
    CASE WHEN length(fragment) NOT BETWEEN 1 AND {MAX_FRAGMENT}
              THEN format('fragment of %s characters (1 to {MAX_FRAGMENT} expected)', length(fragment))
         WHEN match NOT IN ({", ".join(f"'{m}'" for m in MATCHES)}) THEN 'unknown match'
         WHEN n < 1 THEN format('n = %s', n)
         WHEN NOT (seen_at >= '0001-01-02' AND seen_at < '9999-12-31') THEN 'seen_at out of range'
         WHEN candidates IS NOT NULL AND jsonb_typeof(candidates) <> 'null'
              AND (jsonb_typeof(candidates) <> 'array'
                   OR EXISTS (SELECT 1 FROM jsonb_array_elements(candidates) c
                              WHERE jsonb_typeof(c) <> 'object'
                                 OR jsonb_typeof(c->'standard') IS DISTINCT FROM 'string'
                                 OR jsonb_typeof(c->'attribute') IS DISTINCT FROM 'string'
                                 OR jsonb_typeof(c->'s') IS DISTINCT FROM 'number'))
              THEN 'candidates not a list of {{standard, attribute, s}}'
    END"""


def fold(conn) -> list[tuple[str, str, int]]:
    """Move well-formed queued events into review_item (one row per fragment), in one statement; returns
    the quarantined ones left in review_event as (fragment, reason, events), the commonest first."""
    conn.execute(f"""WITH ev AS (DELETE FROM drugnorm.review_event WHERE ({_EVENT_PROBLEM}) IS NULL RETURNING *),
                         agg AS (SELECT fragment, (array_agg(match ORDER BY seen_at DESC))[1] AS match,
                                        sum(n) AS n, min(seen_at) AS first_seen, max(seen_at) AS last_seen,
                                        (array_agg(candidates ORDER BY seen_at DESC))[1] AS candidates
                                 FROM ev GROUP BY fragment)
                    INSERT INTO drugnorm.review_item AS r (fragment, match, count, first_seen, last_seen, candidates)
                    SELECT fragment, match, n, first_seen, last_seen, candidates FROM agg
                    ON CONFLICT (fragment) DO UPDATE
                    SET count = r.count + excluded.count, last_seen = excluded.last_seen,
                        match = excluded.match, candidates = coalesce(excluded.candidates, r.candidates)""")
    return conn.execute(f"""SELECT left(fragment, 40), problem, count(*) FROM (
                                SELECT fragment, {_EVENT_PROBLEM} AS problem FROM drugnorm.review_event) q
                            WHERE problem IS NOT NULL
                            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2""").fetchall()


def _candidate(c) -> str | None:
    """standard|attribute|s of one stored candidate, or None when it is not shaped as drug_parse writes it."""
    if not isinstance(c, dict):
        return None
    std, attr, s = c.get("standard"), c.get("attribute"), c.get("s")
    if not isinstance(std, str) or not isinstance(attr, str) or isinstance(s, bool) or not isinstance(s, (int, float)):
        return None
    try:
        s = float(s)
    except OverflowError:
        return None
    return f"{std}|{attr}|{s:.3f}" if math.isfinite(s) else None


def export(dsn: str, path: Path, min_count: int = 1, log=print) -> int:
    with connect(dsn) as conn:
        with conn.transaction():
            quarantined = fold(conn)
        dicts = {r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary")}
        # review_item is writable by editors: timestamps Python cannot hold come out empty
        rows = conn.execute("""SELECT fragment, count, match,
                                      CASE WHEN first_seen >= '0001-01-02' AND first_seen < '9999-12-31'
                                           THEN first_seen END,
                                      CASE WHEN last_seen >= '0001-01-02' AND last_seen < '9999-12-31'
                                           THEN last_seen END,
                                      candidates
                               FROM drugnorm.review_item
                               WHERE resolved_version IS NULL AND count >= %s
                               ORDER BY count DESC, fragment""", (min_count,)).fetchall()
    if quarantined:
        n = sum(q[2] for q in quarantined)
        shown = "; ".join(f"{frag!r}: {why}" + (f" ({k} events)" if k > 1 else "")
                          for frag, why, k in quarantined[:SHOWN])
        more = f"; and {len(quarantined) - SHOWN} more" if len(quarantined) > SHOWN else ""
        log(f"warning: {n} queued event(s) not exported, left in drugnorm.review_event (not as "
            f"drug_parse_review records them; inspect, then delete them as an editor): {shown}{more}")
    bad = []
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(EXPORT_COLUMNS) + "\n")
        for frag, count, match, first, last, cands in rows:
            tops = [_candidate(c) for c in cands[:3]] if isinstance(cands, list) else []
            if (cands is not None and not isinstance(cands, list)) or None in tops:
                bad.append(frag)
            tops = [t for t in tops if t is not None]
            guess = cands[0] if isinstance(cands, list) and cands and _candidate(cands[0]) else {}
            cells = (frag, str(count), match, first.isoformat(timespec="seconds") if first else "",
                     last.isoformat(timespec="seconds") if last else "", *tops, *[""] * (3 - len(tops)),
                     guess.get("attribute") if guess.get("attribute") in dicts else "", "")
            f.write("\t".join(cell_out(c) for c in cells) + "\n")
    if bad:
        shown = "; ".join(repr(b[:40]) for b in bad[:SHOWN]) + (f"; and {len(bad) - SHOWN} more"
                                                               if len(bad) > SHOWN else "")
        log(f"warning: {len(bad)} fragment(s) exported without their malformed stored candidates: {shown}")
    return len(rows)


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
FORMULA_START = ("=", "+", "-", "@", "'")


def cell_out(v: str | None) -> str:
    """One TSV cell: no raw tab, newline or carriage return; no leading formula character."""
    v = "".join(_ESCAPES.get(ch, ch) for ch in (v or ""))
    return "'" + v if v.startswith(FORMULA_START) else v


def cell_in(v: str) -> str:
    """The value of a cell written by cell_out (or typed by hand): one leading ' stripped, escapes decoded;
    a backslash before anything else stays as it is."""
    v = v.strip()
    if v.startswith("'"):
        v = v[1:]
    out, i = [], 0
    while i < len(v):
        ch = v[i]
        if ch == "\\" and i + 1 < len(v) and v[i + 1] in _UNESCAPES:
            out.append(_UNESCAPES[v[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@dataclasses.dataclass
class Decision:
    line: int
    fragment: str
    dict: str
    standard: str


def read_decisions(path: Path) -> list[Decision]:
    """The rows of a review file whose `standard` is filled; malformed lines fail with FILE:LINE."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise AdminError(f"{name}: cannot read: {e.strerror}") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise AdminError(f"{name}:{line}: not valid UTF-8 (byte {e.start}); save the file as UTF-8") from e
    lines = text.split("\n")
    header = [h.strip() for h in lines[0].rstrip("\r").split("\t")]
    missing = {"fragment", "dict", "standard"} - set(header)
    if missing:
        raise AdminError(f"{name}:1: header lacks {', '.join(sorted(missing))}")
    idx = {h: header.index(h) for h in ("fragment", "dict", "standard")}
    out = []
    for n, raw in enumerate(lines[1:], start=2):
        raw = raw[:-1] if raw.endswith("\r") else raw        # CRLF line ends (a spreadsheet saved it)
        if not raw.strip():
            continue
        if "\x00" in raw:
            raise AdminError(f"{name}:{n}: malformed line: NUL character")
        if "\r" in raw:
            raise AdminError(f"{name}:{n}: malformed line: carriage return inside a line")
        cells = raw.split("\t")
        if len(cells) != len(header):
            raise AdminError(f"{name}:{n}: malformed line: {len(cells)} fields, the header has {len(header)}")
        std = cell_in(cells[idx["standard"]])
        if not std:
            continue
        frag = cell_in(cells[idx["fragment"]])
        if not frag:
            raise AdminError(f"{name}:{n}: standard {std!r} given for an empty fragment")
        out.append(Decision(n, frag, cell_in(cells[idx["dict"]]), std))
    return out


def import_decisions(dsn: str, path: Path, log=print) -> loader.Summary:
    """Rows whose `standard` is filled become synonyms (or, when standard = fragment, new standards)."""
    decided = read_decisions(path)
    if not decided:
        raise AdminError(f"{path}: no row has a standard filled in; nothing to import")
    rows = []
    for d in decided:   # a fragment is raw text: tabs and line breaks in it become spaces in the term (same key)
        term, std = _one_line(d.fragment), _one_line(d.standard)
        rows.append(loader.Row(str(path), d.line, d.dict, term, None if std == term else std, None, None, None,
                               f"review:{path.name}"))
    with connect(dsn) as conn:
        known = {r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary")}
        for r in rows:
            if r.dict not in known:
                raise AdminError(f"{r.file}:{r.line}: unknown dict {r.dict!r} (known: {', '.join(sorted(known))})")
        summary = loader.load_rows(conn, rows, [], log, {"review_import": str(path)})
        version = summary.version or conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
        for d in decided:
            conn.execute("""UPDATE drugnorm.review_item SET resolved_dict = %s, resolved_standard = %s,
                            resolved_version = %s WHERE fragment = %s""", (d.dict, d.standard, version, d.fragment))
        conn.commit()
        if summary.version is not None:
            loader.vacuum(conn)
    return summary


def _one_line(v: str) -> str:
    return v.replace("\r\n", " ").translate({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})


def queue_size(conn) -> tuple[int, int]:
    return conn.execute("""SELECT (SELECT count(*) FROM drugnorm.review_item WHERE resolved_version IS NULL),
                                  (SELECT count(*) FROM drugnorm.review_event)""").fetchone()
