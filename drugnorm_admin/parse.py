"""`drugnorm-admin parse`: drug strings through drug_parse(), printed as JSON or as a readable table."""
from __future__ import annotations

import json

from .db import connect

FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form", "route", "manufacturer",
          "packaging_material", "strength", "package")


def run(dsn: str, texts, as_json: bool = False):
    with connect(dsn) as conn:
        for text in texts:
            doc = conn.execute("SELECT drugnorm.drug_parse(%s)", (text,)).fetchone()[0]
            yield json.dumps(doc, ensure_ascii=False) if as_json else table(doc)


def table(doc: dict | None) -> str:
    if doc is None:
        return "(null)"
    width = max(len(f) for f in FIELDS)
    lines = [f"input: {doc['input']}"]
    for f in FIELDS:
        lines.append(f"  {f:<{width}}  {doc.get(f) if doc.get(f) is not None else '-'}")
    for seg in doc.get("segments") or []:
        extra = ""
        if seg.get("match") == "fuzzy" and seg.get("candidates"):
            top = seg["candidates"][0]
            extra = f"  (top: {top['standard']} s={top['s']:.3f}{', accepted' if seg.get('accepted') else ''})"
        std = seg.get("standard") or ""
        lines.append(f"  [{seg['match']:<7}] {seg['text']!s:<24} {seg.get('attribute') or '':<18} {std}{extra}")
    lines.append(f"  lexicon version {doc.get('lexicon_version')}")
    return "\n".join(lines)
