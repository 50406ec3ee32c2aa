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
import re
from pathlib import Path

from . import loader
from .db import AdminError, connect

EXPORT_COLUMNS = ("fragment", "count", "match", "first_seen", "last_seen", "candidate_1", "candidate_2",
                  "candidate_3", "dict", "standard")
MAX_FRAGMENT = 200          # drugnorm.record_review records no longer fragment
MAX_EXAMPLE = 200           # nor a longer example (the raw string, cut)
MATCHES = ("fuzzy", "inferred", "none")
SHOWN = 10                  # quarantined events or bad rows named in one warning

# Why an event cannot be folded, or NULL: the shape drugnorm.record_review writes, checked in SQL.
_EVENT_PROBLEM = f"""
    CASE WHEN length(fragment) NOT BETWEEN 1 AND {MAX_FRAGMENT}
              THEN format('fragment of %s characters (1 to {MAX_FRAGMENT} expected)', length(fragment))
         WHEN match NOT IN ({", ".join(f"'{m}'" for m in MATCHES)}) THEN 'unknown match'
         WHEN n < 1 THEN format('n = %s', n)
         WHEN length(example) > {MAX_EXAMPLE} THEN format('example of %s characters (at most {MAX_EXAMPLE})', length(example))
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
    the quarantined ones left in review_event as (fragment, reason, events), the commonest first. An item
    keeps the latest two distinct raw strings its fragment came from; an ignored one stays ignored."""
    conn.execute(f"""WITH ev AS (DELETE FROM drugnorm.review_event WHERE ({_EVENT_PROBLEM}) IS NULL RETURNING *),
                         agg AS (SELECT fragment, (array_agg(match ORDER BY seen_at DESC))[1] AS match,
                                        sum(n) AS n, min(seen_at) AS first_seen, max(seen_at) AS last_seen,
                                        (array_agg(candidates ORDER BY seen_at DESC))[1] AS candidates
                                 FROM ev GROUP BY fragment),
                         ex AS (SELECT fragment, array_agg(example ORDER BY last DESC, example) AS examples
                                FROM (SELECT fragment, example, max(seen_at) AS last,
                                             row_number() OVER (PARTITION BY fragment
                                                                ORDER BY max(seen_at) DESC, example) AS k
                                      FROM ev WHERE example IS NOT NULL GROUP BY fragment, example) q
                                WHERE k <= 2 GROUP BY fragment)
                    INSERT INTO drugnorm.review_item AS r (fragment, match, count, first_seen, last_seen, candidates,
                                                           examples)
                    SELECT fragment, match, n, first_seen, last_seen, candidates, examples
                    FROM agg LEFT JOIN ex USING (fragment)
                    ON CONFLICT (fragment) DO UPDATE
                    SET count = r.count + excluded.count, last_seen = excluded.last_seen,
                        match = excluded.match, candidates = coalesce(excluded.candidates, r.candidates),
                        examples = CASE WHEN excluded.examples IS NULL THEN r.examples ELSE
                                   (SELECT array_agg(x ORDER BY i) FROM (
                                        SELECT x, min(i) AS i
                                        FROM unnest(excluded.examples || coalesce(r.examples, '{{}}'))
                                             WITH ORDINALITY u(x, i)
                                        GROUP BY x ORDER BY 2 LIMIT 2) q) END""")
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


def open_items(conn, min_count: int = 1, limit: int | None = None, offset: int = 0,
               fragment: str | None = None) -> list[tuple]:
    """The queue: unresolved, not ignored items by frequency, as (fragment, count, match, first_seen,
    last_seen, candidates, examples); ``fragment`` picks one."""
    # review_item is writable by editors: timestamps Python cannot hold come out empty
    return conn.execute("""SELECT fragment, count, match,
                                  CASE WHEN first_seen >= '0001-01-02' AND first_seen < '9999-12-31'
                                       THEN first_seen END,
                                  CASE WHEN last_seen >= '0001-01-02' AND last_seen < '9999-12-31'
                                       THEN last_seen END,
                                  candidates, coalesce(array_remove(examples[1:2], NULL), '{}')
                           FROM drugnorm.review_item
                           WHERE resolved_version IS NULL AND ignored_at IS NULL AND count >= %s
                             AND (%s::text IS NULL OR fragment = %s)
                           ORDER BY count DESC, fragment LIMIT %s OFFSET %s""",
                        (min_count, fragment, fragment, limit, offset)).fetchall()


def warn_quarantined(quarantined, log) -> None:
    if quarantined:
        n = sum(q[2] for q in quarantined)
        shown = "; ".join(f"{frag!r}: {why}" + (f" ({k} events)" if k > 1 else "")
                          for frag, why, k in quarantined[:SHOWN])
        more = f"; and {len(quarantined) - SHOWN} more" if len(quarantined) > SHOWN else ""
        log(f"warning: {n} queued event(s) not exported, left in drugnorm.review_event (not as "
            f"drug_parse_review records them; inspect, then delete them as an editor): {shown}{more}")


def export(dsn: str, path: Path, min_count: int = 1, log=print) -> int:
    with connect(dsn) as conn:
        with conn.transaction():
            quarantined = fold(conn)
        dicts = {r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary")}
        rows = [r[:6] for r in open_items(conn, min_count)]
    warn_quarantined(quarantined, log)
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


def _number(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        v = float(v)
    except OverflowError:
        return None
    return v if math.isfinite(v) else None


def top_candidates(cands, k: int = 3) -> list[dict]:
    """The first k stored candidates shaped as drug_parse writes them, one per (standard, dictionary): a
    synonym and its standard are one choice. Each has standard, attribute, s, and m, n, term, generic
    (None when not stored)."""
    out, seen = [], set()
    for c in cands if isinstance(cands, list) else []:
        if _candidate(c) is None or (c["standard"], c["attribute"]) in seen:
            continue
        seen.add((c["standard"], c["attribute"]))
        out.append({"standard": c["standard"], "attribute": c["attribute"], "s": float(c["s"]),
                    "m": _number(c.get("m")), "n": _number(c.get("n")),
                    "term": c.get("term") if isinstance(c.get("term"), str) else None,
                    "generic": c.get("generic") if isinstance(c.get("generic"), str) else None})
        if len(out) == k:
            break
    return out


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
    generic: str | None = None       # links of a new standard (product_name, trade_name) the decision makes
    dosage_form: str | None = None
    ignore: bool = False             # "not a drug / ignore": no entry; the fragment leaves the queue for good


class RowErrors(AdminError):
    """Every bad row of a review file at once: one line for one row, else a count and a line per row."""

    def __init__(self, name: str, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS]
        more = [f"... and {len(errors) - MAX_ERRORS} more"] if len(errors) > MAX_ERRORS else []
        super().__init__(errors[0] if len(errors) == 1 else
                         "\n".join([f"{name}: {len(errors)} rows cannot be imported; nothing was imported:"]
                                   + [f"  {e}" for e in shown] + more))


MAX_ERRORS = 100       # bad rows named in one error
ENCODINGS = "UTF-8 (with or without BOM), UTF-16 (Excel's \"Unicode Text\") or GBK/GB18030"


def decode_text(data: bytes, name: str) -> str:
    """A review file as a spreadsheet may save it: UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's
    "Unicode Text") or without one, or GBK/GB18030 (Excel's "Text" on a Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codecs = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        codecs = ("utf-8-sig",)
    elif len(data) >= 4 and data[1::2][:64].count(0) > len(data[1::2][:64]) // 2 and b"\x00\x00" not in data[:64]:
        codecs = ("utf-16-le",)      # ASCII-heavy UTF-16 saved without a BOM
    else:
        codecs = ("utf-8", "gb18030")
    for codec in codecs:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as e:
            err = e
    line = data[:err.start].count(b"\n") + 1
    raise AdminError(f"{name}:{line}: not valid {err.encoding} (byte {err.start}); save the file as {ENCODINGS}") from err


def read_decisions(path: Path, errors: list[tuple[int, str]] | None = None) -> list[Decision]:
    """The rows of a review file whose `standard` is filled; malformed lines fail with FILE:LINE, all of
    them at once (RowErrors), or are added to ``errors`` as (line, message) when it is given."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise AdminError(f"{name}: cannot read: {e.strerror}") from e
    text = decode_text(data, name)
    lines = text.split("\n")
    header = [h.strip() for h in lines[0].rstrip("\r").split("\t")]
    missing = {"fragment", "dict", "standard"} - set(header)
    if missing:
        raise AdminError(f"{name}:1: header lacks {', '.join(sorted(missing))}")
    idx = {h: header.index(h) for h in ("fragment", "dict", "standard", "generic", "dosage_form") if h in header}
    out, bad = [], []
    for n, raw in enumerate(lines[1:], start=2):
        raw = raw[:-1] if raw.endswith("\r") else raw        # CRLF line ends (a spreadsheet saved it)
        if not raw.strip():
            continue
        if "\x00" in raw:
            bad.append((n, f"{name}:{n}: malformed line: NUL character"))
            continue
        if "\r" in raw:
            bad.append((n, f"{name}:{n}: malformed line: carriage return inside a line"))
            continue
        cells = raw.split("\t")
        if len(cells) != len(header):
            bad.append((n, f"{name}:{n}: malformed line: {len(cells)} fields, the header has {len(header)}"))
            continue
        std = cell_in(cells[idx["standard"]])
        if not std:
            continue
        frag = cell_in(cells[idx["fragment"]])
        if not frag:
            bad.append((n, f"{name}:{n}: standard {std!r} given for an empty fragment"))
            continue
        links = {k: cell_in(cells[idx[k]]) or None for k in ("generic", "dosage_form") if k in idx}
        out.append(Decision(n, frag, cell_in(cells[idx["dict"]]), std, **links))
    if errors is not None:
        errors.extend(bad)
    elif bad:
        raise RowErrors(name, [m for _, m in bad])
    return out


def import_decisions(dsn: str, path: Path, log=print) -> loader.Summary:
    """Rows whose `standard` is filled become synonyms (or, when standard = fragment, new standards)."""
    decided = read_decisions(path)
    if not decided:
        raise AdminError(f"{path}: no row has a standard filled in; nothing to import")
    return apply_decisions(dsn, decided, path, log)


_LINE = re.compile(r"(\d+): ")


def apply_decisions(dsn: str, decided: list[Decision], path: Path, log=print, source: str | None = None,
                    errors: list[tuple[int, str]] = ()) -> loader.Summary:
    """Decisions into the lexicon through load-dict's validation, in one transaction, and out of the queue.

    A decision with a standard makes the fragment a synonym of it (or, when standard = fragment, a new
    standard; generic and dosage_form then link it); with links and another standard, that standard is
    written with them too. An ignored fragment gets no entry and stays out of the queue. Every bad row is
    reported at once (RowErrors, FILE:LINE each, with the reader's ``errors``) and nothing changes: load-dict
    names one problem at a time, so each row it names is set aside and the rest is validated again, in a
    savepoint rolled back at the end.
    """
    name = str(path)
    source = source or f"review:{path.name}"
    errors = list(errors)
    with connect(dsn) as conn:
        loader.require_editor(conn)
        known = {r[0] for r in conn.execute("SELECT name FROM drugnorm.dictionary")}
        rows = []
        for d in decided:
            if d.ignore:
                continue
            if d.dict not in known:
                errors.append((d.line, f"{name}:{d.line}: unknown dict {d.dict!r} (known: {', '.join(sorted(known))})"))
                continue
            # a fragment is raw text: tabs and line breaks in it become spaces in the term (same key)
            term, std = _one_line(d.fragment), _one_line(d.standard)
            if std != term and (d.generic or d.dosage_form):
                rows.append(loader.Row(name, d.line, d.dict, std, None, d.generic, None, d.dosage_form, source))
            rows.append(loader.Row(name, d.line, d.dict, term, None if std == term else std,
                                   d.generic if std == term else None, None,
                                   d.dosage_form if std == term else None, source))
        summary = loader.Summary(None, {})
        with conn.transaction() as tx:
            while rows:
                try:
                    summary = loader.load_rows(conn, rows, [], log, {"review_import": name}, products=True)
                    break
                except loader.LoadError as e:       # FILE:LINE: reason, or nothing to point at
                    msg = str(e)
                    m = _LINE.match(msg[len(name) + 1:]) if msg.startswith(name + ":") else None
                    line = int(m.group(1)) if m else None
                    if line is None or not any(r.line == line for r in rows) or len(errors) >= MAX_ERRORS:
                        if errors:
                            errors.append((line or 0, msg))
                            break
                        raise
                    errors.append((line, msg))
                    rows = [r for r in rows if r.line != line]
            if errors:
                tx_errors = [m for _, m in sorted(errors, key=lambda x: x[0])]
                raise RowErrors(name, tx_errors)
            version = summary.version or conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
            for d in decided:
                if d.ignore:
                    conn.execute("""UPDATE drugnorm.review_item SET ignored_at = now(), ignored_by = current_user
                                    WHERE fragment = %s AND ignored_at IS NULL""", (d.fragment,))
                else:
                    conn.execute("""UPDATE drugnorm.review_item SET resolved_dict = %s, resolved_standard = %s,
                                    resolved_version = %s WHERE fragment = %s""",
                                 (d.dict, d.standard, version, d.fragment))
        conn.commit()
        if summary.version is not None:
            loader.vacuum(conn)
    return summary


def _one_line(v: str) -> str:
    return v.replace("\r\n", " ").translate({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})


def queue_size(conn) -> tuple[int, int]:
    return conn.execute("""SELECT (SELECT count(*) FROM drugnorm.review_item WHERE resolved_version IS NULL),
                                  (SELECT count(*) FROM drugnorm.review_event)""").fetchone()
