"""`drugnorm-admin import nhsa|nmpa`: the official national drug lists, mapped into the lexicon.

- ``nhsa``: the medical-insurance drug classification and code database export (医保药品分类与代码):
  注册名称, 商品名称, 注册剂型, 包装材质, 药品企业 (and 药品代码, 注册规格, 最小包装数量, 最小制剂单位,
  最小包装单位, 批准文号, 药品本位码, which the lexicon does not need).
- ``nmpa``: the NMPA domestic / imported drug lists: 产品名称, 英文名称, 商品名, 剂型,
  生产单位 (or 上市许可持有人 / 生产企业), and 规格, 批准文号.

Provincial platforms rename columns; ``FORMATS`` lists the names accepted for each (注册名称(通用名),
生产企业, 厂商, …), brackets full-width or not.

Each row gives a product name (standard) linked to its generic name and to its registered dosage form; a
trade name linked to both; the manufacturer and the packaging material; the English name as a synonym of
the product. A product the lexicon already has is used as it is: nothing is derived from it, and its trade
name links to the lexicon's generic. Only for a new product is a generic name derived, by
``forms.FormRule``: the name without a dosage-form prefix or suffix of the database's dosage_form
dictionary and of the forms the files register. What the database already knows as a synonym is used
through its standard instead of being added again. The rows then go through load-dict's validation and its
single transaction; skipped rows are reported with their reasons. ``dry_run`` does the same and rolls
back, listing what would be added, changed and derived.
"""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from pathlib import Path

from . import forms, loader, tabular
from .db import AdminError, connect

FORMATS = {
    "nhsa": {"name": ("注册名称", "注册名称(通用名)"), "trade": ("商品名称", "商品名"), "form": ("注册剂型", "剂型"),
             "material": ("包装材质", "包装材料"), "maker": ("药品企业", "生产企业", "厂商", "生产厂家", "生产单位"),
             "english": ()},
    "nmpa": {"name": ("产品名称",), "trade": ("商品名", "商品名称"), "form": ("剂型",), "material": (),
             "maker": ("生产单位", "上市许可持有人", "生产企业", "厂商", "生产厂家"), "english": ("英文名称",)},
}
REQUIRED = {"nhsa": ("name", "form", "maker"), "nmpa": ("name", "form")}
# Cells that mean "none" in the official exports.
PLACEHOLDERS = frozenset(("", "无", "-", "--", "----", "/", "—", "——", "null", "NULL", "暂无"))
NO_GENERIC = "new product without a generic name (no dosage-form prefix or suffix of the dictionary fits)"


@dataclasses.dataclass
class Derived:
    where: str          # FILE:LINE of the first row naming the product
    product: str
    generic: str        # the generic name the product is linked to
    new: bool           # the generic name is new to the lexicon (added by this import)


@dataclasses.dataclass
class Result:
    summary: loader.Summary | None
    mapped: Counter
    skipped: Counter
    examples: dict
    derived: list[Derived] = dataclasses.field(default_factory=list)
    dry_run: bool = False
    notes: Counter = dataclasses.field(default_factory=Counter)   # rows imported with a remark

    def lines(self) -> list[str]:
        out = self.summary.lines() if self.summary else ["dry run: nothing written"]
        new = [d for d in self.derived if d.new]
        if self.dry_run:
            out.extend(self.summary.change_lines() if self.summary else [])
            if self.derived:
                out.append(f"derived ({len(self.derived)} new products linked to a generic name from their "
                           f"names, {len(new)} of them new generic names):")
                out.extend(f"  {d.product} -> {d.generic}{' (new)' if d.new else ''}  [{d.where}]"
                           for d in sorted(self.derived, key=lambda d: d.product))
        elif self.derived:
            out.append(f"derived: {len(self.derived)} new products linked to a generic name from their names, "
                       f"{len(new)} of them new generic names (e.g. "
                       + ", ".join(f"{d.product} -> {d.generic}" for d in (new or self.derived)[:5])
                       + "); --dry-run lists them all")
        for title, counter in (("skipped:", self.skipped), ("imported with a remark:", self.notes)):
            if counter:
                out.append(title)
                for reason, n in counter.most_common():
                    lines = ", ".join(str(x) for x in self.examples[reason][:5])
                    out.append(f"  {n:>6}  {reason} (e.g. line {lines})")
        return out


def _cell(table, row, names) -> str:
    i = table.column(*names) if names else None
    v = row[i].strip() if i is not None and i < len(row) else ""
    return "" if v in PLACEHOLDERS else v


def import_files(dsn: str, fmt: str, files: list[Path], encoding: str | None = None, dry_run: bool = False,
                 log=print) -> Result:
    if fmt not in FORMATS:
        raise AdminError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    cols = FORMATS[fmt]
    expected = tuple(n for k in cols for n in cols[k])
    tables = []
    for f in files:
        t = tabular.read(Path(f), expected, encoding)
        missing = [cols[k][0] + (f" (or {', '.join(cols[k][1:])})" if len(cols[k]) > 1 else "")
                   for k in REQUIRED[fmt] if t.column(*cols[k]) is None]
        if missing:
            raise AdminError(f"{f}: not a {fmt} list: column(s) {', '.join(missing)} missing "
                             f"(found: {', '.join(h for h in t.header if h)})")
        tables.append(t)
    with connect(dsn) as conn:
        known = _Known(conn)
        rows, mapped, skipped, examples, derived, notes = _map(fmt, tables, known)
        summary = loader.load_rows(conn, rows, [], log=log, dry_run=dry_run,
                                   note={"import": fmt, "files": [str(f) for f in files]})
        if summary.version is not None:
            loader.vacuum(conn)
        return Result(summary, mapped, skipped, examples, derived, dry_run, notes)


class _Known:
    """What the database already holds, by dictionary and normalized key: (is standard, standard term,
    the standard's generic name); and the dosage forms and (product, generic) pairs the form rule uses."""

    def __init__(self, conn):
        self.conn = conn
        self.entries: dict[tuple[str, str], tuple[bool, str, str | None]] = {}
        for d, key, is_std, std, generic in conn.execute(
                "SELECT e.dict, e.key, e.standard_id IS NULL, coalesce(s.term, e.term), g.term "
                "FROM drugnorm.entry e LEFT JOIN drugnorm.entry s ON s.id = e.standard_id "
                "LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)"):
            self.entries[(d, key)] = (is_std, std, generic)
        self.forms = conn.execute("SELECT term, key, standard_id IS NULL FROM drugnorm.entry "
                                  "WHERE dict = 'dosage_form'").fetchall()
        self.pairs = conn.execute("""SELECT p.term, g.term FROM drugnorm.entry p
                                     JOIN drugnorm.entry g ON g.id = p.generic_id
                                     WHERE p.dict = 'product_name'""").fetchall()

    def keys(self, terms: list[str], dicts: list[str]) -> list[str]:
        if not terms:
            return []
        return self.conn.execute("SELECT drugnorm.lexicon_keys(%s::text[], %s::text[])",
                                 (terms, dicts)).fetchone()[0]

    def form_rule(self, registered) -> forms.FormRule:
        """Suffixes and prefixes from the dosage_form dictionary and the forms the files register; the
        lexicon's products attest which of them products really end or start with."""
        names = [t for t, _, _ in self.forms] + [k for _, k, _ in self.forms] + list(registered)
        standards = [t for t, _, s in self.forms if s] + [k for _, k, s in self.forms if s] + list(registered)
        rule = forms.FormRule(names, standards=standards)
        affixes = set(rule.suffixes) | set(rule.prefixes)
        return forms.FormRule(names, forms.attested_affixes(self.pairs) & affixes, standards)


def _map(fmt, tables, known: _Known):
    cols = FORMATS[fmt]
    skipped, examples = Counter(), defaultdict(list)

    notes = Counter()

    def skip(reason, t, n, counter=skipped):
        counter[reason] += 1
        examples[reason].append(f"{t.path.name}:{n}")

    # pass 1: the terms of every row, to key them in one round trip
    raw = []
    for t in tables:
        for n, row in t.rows:
            name = _cell(t, row, cols["name"])
            if not name:
                skip("empty product name", t, n)
                continue
            raw.append((t, n, {k: _cell(t, row, cols[k]) for k in cols}))
    fields = (("product_name", "name"), ("dosage_form", "form"), ("trade_name", "trade"),
              ("manufacturer", "maker"), ("packaging_material", "material"), ("product_name", "english"))
    keyed = known.keys([v[f] or "" for _, _, v in raw for _, f in fields], [d for _ in raw for d, _ in fields])
    row_keys = [dict(zip((f for _, f in fields), keyed[i * len(fields):(i + 1) * len(fields)]))
                for i in range(len(raw))]

    # pass 2: a generic name only for products the lexicon does not have, by the database's forms
    rule = known.form_rule({v["form"] for _, _, v in raw if v["form"]})
    splits: dict[str, list] = {}
    for (_, _, v), k in zip(raw, row_keys):
        if ("product_name", k["name"]) not in known.entries and v["name"] not in splits:
            splits[v["name"]] = rule.candidates(v["name"])
    stems = sorted({c.stem for cands in splits.values() for c in cands})
    stem_keys = dict(zip(stems, known.keys(stems, ["generic_name"] * len(stems))))
    known_stems = {s for s, k in stem_keys.items() if ("generic_name", k) in known.entries}

    out: dict[tuple[str, str], loader.Row] = {}
    mapped = Counter()
    derived: dict[str, Derived] = {}

    def standard(d, term, key, t, n, **links):
        """The standard term to link to; adds a standard row unless the database or this import has it."""
        if not term or not key:
            return None
        have = known.entries.get((d, key))
        if have is not None:
            return have[1]
        row = out.get((d, key))
        if row is not None:
            return row.standard or row.term
        out[(d, key)] = loader.Row(str(t.path), n, d, term, None, links.get("generic"), links.get("product"),
                                   links.get("dosage_form"), f"import {fmt}: {t.path.name}")
        mapped[d] += 1
        return term

    for (t, n, v), k in zip(raw, row_keys):
        form = standard("dosage_form", v["form"], k["form"], t, n) if v["form"] else None
        have = known.entries.get(("product_name", k["name"]))
        if have is not None:             # a known product: its own links stand, nothing is derived
            product, generic = have[1], have[2]
        else:
            generic = None
            if v["name"] in derived:
                generic = derived[v["name"]].generic
            elif ("product_name", k["name"]) not in out:
                split = rule.split(v["name"], v["form"], known_stems)
                if split is None:
                    skip(NO_GENERIC, t, n, notes)
                else:
                    k_generic = stem_keys[split.stem]
                    new = ("generic_name", k_generic) not in known.entries and ("generic_name", k_generic) not in out
                    generic = standard("generic_name", split.stem, k_generic, t, n)
                    if generic:
                        derived[v["name"]] = Derived(f"{t.path.name}:{n}", v["name"], generic, new)
            product = standard("product_name", v["name"], k["name"], t, n, generic=generic, dosage_form=form)
            if generic is None and ("product_name", k["name"]) in out:
                generic = out[("product_name", k["name"])].generic
        trade, k_trade = v["trade"], k["trade"]
        if trade and k_trade and k_trade != k["name"]:
            if ("trade_name", k_trade) in known.entries and not known.entries[("trade_name", k_trade)][0]:
                skip("trade name known as a synonym (kept as is)", t, n)
            else:
                standard("trade_name", trade, k_trade, t, n, generic=generic, product=product)
        elif trade and k_trade == k["name"]:
            skip("trade name equal to the product name (not a trade name)", t, n)
        standard("manufacturer", v["maker"], k["maker"], t, n)
        standard("packaging_material", v["material"], k["material"], t, n)
        k_english = k["english"]
        if v["english"] and k_english and k_english != k["name"] and ("product_name", k_english) not in out \
                and ("product_name", k_english) not in known.entries and product:
            out[("product_name", k_english)] = loader.Row(str(t.path), n, "product_name", v["english"], product,
                                                          None, None, None, f"import {fmt}: {t.path.name}")
            mapped["product_name"] += 1
    return list(out.values()), mapped, skipped, examples, list(derived.values()), notes
