"""The load-dict file format: UTF-8 (or --encoding) TSV, a header naming the columns, one entry a line.

Required columns dict, term, standard, generic; optional product, dosage_form, source (README 'File
formats'). Every error names the file and the line. Rows read here, and rows other commands build (review
import, revert, import), are checked by validation.check_rows before they reach the database.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from .db import AdminError

REQUIRED = ("dict", "term", "standard", "generic")
OPTIONAL = ("product", "dosage_form", "source")


class LoadError(AdminError):
    pass


@dataclasses.dataclass
class Row:
    file: str
    line: int
    dict: str
    term: str
    standard: str | None
    generic: str | None
    product: str | None
    dosage_form: str | None
    source: str | None


def read_file(path: Path, encoding: str = "utf-8", known_dicts=None) -> list[Row]:
    """Parse one TSV file; errors name the file and line."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(f"{name}: cannot read: {e.strerror}") from e
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        hint = ""
        if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
            try:
                data.decode("gb18030")
                hint = "; it decodes as GBK/GB18030: convert it or pass --encoding gbk"
            except UnicodeDecodeError:
                pass
        raise LoadError(f"{name}:{line}: not valid {encoding} (byte {e.start}){hint}") from e
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or not lines[0].strip():
        raise LoadError(f"{name}:1: missing header line (columns: {', '.join(REQUIRED + OPTIONAL)})")
    header = [h.strip() for h in lines[0].rstrip("\r").split("\t")]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise LoadError(f"{name}:1: header lacks column(s) {', '.join(missing)} "
                        f"(required: {', '.join(REQUIRED)})")
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise LoadError(f"{name}:1: unknown column(s) {', '.join(unknown)} "
                        f"(known: {', '.join(REQUIRED + OPTIONAL)})")
    dupes = {c for c in header if header.count(c) > 1}
    if dupes:
        raise LoadError(f"{name}:1: column(s) {', '.join(sorted(dupes))} appear twice")
    idx = {c: header.index(c) for c in header}
    rows = []
    for n, raw in enumerate(lines[1:], start=2):
        raw = raw.rstrip("\r")
        if not raw.strip():
            continue
        cells = raw.split("\t")
        if len(cells) != len(header):
            raise LoadError(f"{name}:{n}: malformed line: {len(cells)} fields, the header has {len(header)}")
        if any(ch in cell for cell in cells for ch in "\x00"):
            raise LoadError(f"{name}:{n}: malformed line: NUL character")

        def get(col):
            v = cells[idx[col]].strip() if col in idx else ""
            return v or None

        d = get("dict")
        if d is None:
            raise LoadError(f"{name}:{n}: empty dict")
        if known_dicts is not None and d not in known_dicts:
            raise LoadError(f"{name}:{n}: unknown dict {d!r} (known: {', '.join(sorted(known_dicts))})")
        term = get("term")
        if term is None:
            raise LoadError(f"{name}:{n}: empty term")
        rows.append(Row(name, n, d, term, get("standard"), get("generic"), get("product"),
                        get("dosage_form"), get("source")))
    return rows
