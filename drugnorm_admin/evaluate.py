"""`drugnorm-admin eval`: accuracy of drug_parse on a TSV of inputs with known answers.

Format (documented in eval/README.md and the README): a header line, column ``input`` (required), any of
the truth columns ``product``, ``generic``, ``trade``, ``dosage_form``, ``strength``, ``package``,
``manufacturer``, ``insurance_class``, ``self_pay_ratio``, ``markers`` (the marker standards, separated by
``|``), and optionally ``is_drug`` (0 for consumables and reagents, which must not be forced
onto a drug). Empty truth cells are not scored; ``-`` says the field must be empty (null, or no markers).
The report also says how many inputs sent some fragment to
the fuzzy matcher (the slow path).

A truth counts as found when it equals the output after both go through the lexicon: a truth that is a
known term (or synonym) becomes its standard, and both are compared in normalized form.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections import Counter
from pathlib import Path

from .db import AdminError, connect

FIELDS = {  # truth column -> (JSON field, dictionary)
    "product": ("product_name", "product_name"),
    "generic": ("generic_name", "generic_name"),
    "trade": ("trade_name", "trade_name"),
    "dosage_form": ("dosage_form", "dosage_form"),
    "manufacturer": ("manufacturer", "manufacturer"),
    "strength": ("strength", None),
    "package": ("package", None),
    "insurance_class": ("insurance_class", "insurance_class"),
    "self_pay_ratio": ("self_pay_ratio", None),
    "markers": ("markers", ("insurance_class", "formulary_marker")),
}
NAMES = ("product", "generic", "trade", "manufacturer")
_BATCH = 500


@dataclasses.dataclass
class Report:
    rows: int = 0
    scored: Counter = dataclasses.field(default_factory=Counter)
    top1: Counter = dataclasses.field(default_factory=Counter)
    top3: Counter = dataclasses.field(default_factory=Counter)
    coverage: Counter = dataclasses.field(default_factory=Counter)
    drug_rows: int = 0
    non_drug_rows: int = 0
    non_drug_forced: int = 0
    reached_fuzzy: int = 0
    misses: Counter = dataclasses.field(default_factory=Counter)

    def accuracy(self, field: str) -> float | None:
        return self.top1[field] / self.scored[field] if self.scored[field] else None

    def lines(self) -> list[str]:
        out = [f"rows: {self.rows} ({self.drug_rows} drug, {self.non_drug_rows} non-drug)", "",
               f"{'field':<14} {'scored':>7} {'top-1':>8} {'top-3':>8}"]
        for f in FIELDS:
            if self.scored[f]:
                t3 = f"{100 * self.top3[f] / self.scored[f]:7.1f}%" if f in NAMES else f"{'':>8}"
                out.append(f"{f:<14} {self.scored[f]:>7} {100 * self.top1[f] / self.scored[f]:7.1f}% {t3}")
        if self.drug_rows:
            out += ["", "coverage of drug rows (product or generic name):"]
            for k in ("exact", "known-generic", "fuzzy-accepted", "inferred", "unresolved"):
                out.append(f"  {k:<15} {self.coverage[k]:>6} {100 * self.coverage[k] / self.drug_rows:6.1f}%")
            rec = self.coverage["exact"] + self.coverage["known-generic"] + self.coverage["fuzzy-accepted"]
            out.append(f"  recognized      {rec:>6} {100 * rec / self.drug_rows:6.1f}%")
        if self.non_drug_rows:
            out.append(f"non-drug rows forced onto a drug: {self.non_drug_forced} of {self.non_drug_rows}")
        if self.rows:
            out.append(f"inputs that reached the fuzzy matcher: {self.reached_fuzzy} of {self.rows} "
                       f"({100 * self.reached_fuzzy / self.rows:.1f}%)")
        if self.misses:
            out += ["", "commonest misses (field: truth -> got):"]
            for (f, truth, got), n in self.misses.most_common(20):
                out.append(f"  {n:>4}  {f}: {truth} -> {got}")
        return out


def read(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise AdminError(f"{path}: not UTF-8 ({e.reason})") from e
    except OSError as e:
        raise AdminError(f"{path}: {e.strerror}") from e
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or "input" not in rows[0]:
        raise AdminError(f"{path}: needs a header with an 'input' column")
    return rows


def _canon_spec(s: str) -> str:
    """'50.000MG' -> '50mg', '0.50g' -> '0.5g': how a strength is written does not count, its value does."""
    s = s.lower().replace(" ", "")
    return re.sub(r"(\d+)\.(\d*?)0*(?=\D|$)", lambda m: m.group(1) + ("." + m.group(2) if m.group(2) else ""), s)


class Truths:
    """Maps truth strings through the lexicon: a known term becomes its standard."""

    def __init__(self, conn):
        self.conn = conn
        self.cache: dict[tuple, str] = {}

    def canon(self, field: str, value) -> str | None:
        dict_ = FIELDS[field][1]
        if field == "markers" and value is not None and value != "":
            # a set of standards: the contract's list, or a truth cell "国家基本药物|乙类" ("-": none)
            items = value if isinstance(value, list) else [] if value == "-" else value.split("|")
            return "|".join(sorted({self.canon_in(dict_, v.strip()) for v in items if v.strip()})) or "-"
        if value is None or value == "":
            return None
        if dict_ is None:
            return _canon_spec(value)
        return self.canon_in((dict_,), value)

    def canon_in(self, dicts: tuple, value: str) -> str:
        key = (dicts, value)
        if key not in self.cache:
            row = self.conn.execute(
                "SELECT coalesce(s.term, e.term) FROM drugnorm.entry e "
                "LEFT JOIN drugnorm.entry s ON s.id = e.standard_id "
                "WHERE e.dict = ANY(%s) AND e.key = drugnorm.normalize(%s)", (list(dicts), value)).fetchone()
            std = row[0] if row else value
            self.cache[key] = self.conn.execute("SELECT drugnorm.normalize(%s)", (std,)).fetchone()[0] or ""
        return self.cache[key]


def evaluate(dsn: str, path: Path, limit: int | None = None) -> Report:
    rows = read(path)[:limit] if limit else read(path)
    report = Report(rows=len(rows))
    with connect(dsn) as conn:
        truths = Truths(conn)
        for start in range(0, len(rows), _BATCH):
            part = rows[start:start + _BATCH]
            docs = [r[0] for r in conn.execute(
                "SELECT drugnorm.drug_parse(x) FROM unnest(%s::text[]) WITH ORDINALITY AS t(x, i) ORDER BY i",
                ([r["input"] for r in part],))]
            for row, doc in zip(part, docs):
                _score_row(row, doc or {}, truths, report)
    return report


def _score_row(row: dict, doc: dict, truths: Truths, report: Report) -> None:
    is_drug = (row.get("is_drug") or "1").strip() != "0"
    segs = doc.get("segments") or []
    if any("candidates" in seg for seg in segs):
        report.reached_fuzzy += 1
    if is_drug:
        report.drug_rows += 1
        report.coverage[_coverage(doc, segs)] += 1
    else:
        report.non_drug_rows += 1
        if _coverage(doc, segs) in ("exact", "known-generic", "fuzzy-accepted"):
            report.non_drug_forced += 1
        return
    for field, (key, dict_) in FIELDS.items():
        if (row.get(field) or "").strip() == "-" and field != "markers":   # the field must stay empty
            report.scored[field] += 1
            if doc.get(key) is None:
                report.top1[field] += 1
                report.top3[field] += 1
            else:
                report.misses[(field, "-", doc.get(key))] += 1
            continue
        truth = truths.canon(field, (row.get(field) or "").strip())
        if not truth:
            continue
        report.scored[field] += 1
        got = truths.canon(field, doc.get(key)) if doc.get(key) or field == "markers" else None
        if got == truth:
            report.top1[field] += 1
            report.top3[field] += 1
            continue
        if field in NAMES and dict_ and field != "markers":
            top3 = [truths.canon(field, c.get("standard") or "") for s in segs if s.get("match") == "fuzzy"
                    for c in (s.get("candidates") or [])[:3] if c.get("attribute") == dict_]
            if truth in top3:
                report.top3[field] += 1
        shown = doc.get(key)
        report.misses[(field, row.get(field), "|".join(shown) if isinstance(shown, list) else shown)] += 1


def _coverage(doc: dict, segs: list) -> str:
    name_attrs = ("product_name", "generic_name", "trade_name")
    for s in segs:
        if s.get("match") == "exact" and s.get("attribute") in name_attrs:
            return "exact"
    for s in segs:
        if s.get("match") == "inferred" and s.get("known_generic") and s.get("attribute") in name_attrs:
            return "known-generic"
    for s in segs:
        if s.get("match") == "fuzzy" and s.get("accepted") and (s.get("candidates") or [{}])[0].get(
                "attribute") in name_attrs:
            return "fuzzy-accepted"
    if any(s.get("match") == "inferred" and s.get("attribute") in name_attrs for s in segs):
        return "inferred"
    return "unresolved"
