"""`drugnorm-admin parse`: drug strings through drug_parse(), printed as a readable table, as JSON (one
document per line) or as CSV (a header, then one row per input)."""
from __future__ import annotations

import csv
import io
import json
import unicodedata

from .db import connect

FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form", "route", "manufacturer",
          "packaging_material", "strength", "package")
CSV_COLUMNS = ("input", "normalized") + FIELDS + ("lexicon_version",)


def run(dsn: str, texts, fmt: str = "table"):
    """Lines to print: ``fmt`` is 'table', 'json' or 'csv'."""
    with connect(dsn) as conn:
        if fmt == "csv":
            yield csv_row(CSV_COLUMNS)
        for text in texts:
            doc = conn.execute("SELECT drugnorm.drug_parse(%s)", (text,)).fetchone()[0]
            if fmt == "json":
                yield json.dumps(doc, ensure_ascii=False)
            elif fmt == "csv":
                yield csv_row(["" if (doc or {}).get(c) is None else doc[c] for c in CSV_COLUMNS])
            else:
                yield table(doc)


def csv_row(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(values)
    return buf.getvalue()


def width(text: str) -> int:
    """Columns a terminal gives ``text``: 2 for wide and full-width characters (hanzi, 全角), 0 for combining
    marks and invisible format characters, 1 for the rest."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def pad(text: str, columns: int) -> str:
    """``text`` left-aligned in ``columns`` terminal columns (str.ljust counts characters, not columns)."""
    return text + " " * max(0, columns - width(text))


def table(doc: dict | None) -> str:
    if doc is None:
        return "(null)"
    names = max(len(f) for f in FIELDS)
    lines = [f"input: {doc['input']}"]
    for f in FIELDS:
        lines.append(f"  {f:<{names}}  {doc.get(f) if doc.get(f) is not None else '-'}")
    segs = doc.get("segments") or []
    # columns as wide as this document's widest text and dictionary name (at least 24 and 18, as before)
    tw = max([24] + [width(str(s["text"])) for s in segs])
    aw = max([18] + [width(s.get("attribute") or "") for s in segs])
    for seg in segs:
        extra = ""
        if seg.get("match") == "fuzzy" and seg.get("candidates"):
            top = seg["candidates"][0]
            extra = f"  (top: {top['standard']} s={top['s']:.3f}{', accepted' if seg.get('accepted') else ''})"
        std = seg.get("standard") or ""
        lines.append(f"  [{seg['match']:<7}] {pad(str(seg['text']), tw)} {pad(seg.get('attribute') or '', aw)} "
                     f"{std}{extra}".rstrip())
    lines.append(f"  lexicon version {doc.get('lexicon_version')}")
    return "\n".join(lines)
