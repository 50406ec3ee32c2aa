"""`drugnorm-admin import nhsa|nmpa`: the official national drug lists, mapped into the lexicon.

- ``nhsa``: the medical-insurance drug classification and code database export (医保药品分类与代码):
  注册名称, 商品名称, 注册剂型, 包装材质, 药品企业 (and 药品代码, 注册规格, 最小包装数量, 最小制剂单位,
  最小包装单位, 批准文号, 药品本位码, which the lexicon does not need).
- ``nmpa``: the NMPA domestic / imported drug lists: 产品名称, 英文名称, 商品名, 剂型,
  生产单位 (or 上市许可持有人 / 生产企业), and 规格, 批准文号.

Each row gives a product name (standard) linked to its generic name (the stem the suffix rule of
forms.py leaves) and to its registered dosage form; a trade name linked to both; the manufacturer and
the packaging material; the English name as a synonym of the product. What the database already knows
as a synonym is used through its standard instead of being added again. The rows then go through
load-dict's validation and its single transaction; skipped rows are reported with their reasons.
"""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from pathlib import Path

from . import forms, loader, tabular
from .db import AdminError, connect

FORMATS = {
    "nhsa": {"name": ("注册名称",), "trade": ("商品名称",), "form": ("注册剂型",), "material": ("包装材质",),
             "maker": ("药品企业",), "english": ()},
    "nmpa": {"name": ("产品名称",), "trade": ("商品名", "商品名称"), "form": ("剂型",), "material": (),
             "maker": ("生产单位", "上市许可持有人", "生产企业"), "english": ("英文名称",)},
}
REQUIRED = {"nhsa": ("name", "form", "maker"), "nmpa": ("name", "form")}
# Cells that mean "none" in the official exports.
PLACEHOLDERS = frozenset(("", "无", "-", "--", "----", "/", "—", "——", "null", "NULL", "暂无"))


@dataclasses.dataclass
class Result:
    summary: loader.Summary | None
    mapped: Counter
    skipped: Counter
    examples: dict

    def lines(self) -> list[str]:
        out = self.summary.lines() if self.summary else \
            ["dry run: nothing written"] + [f"  {d:<20} {n:>8} rows" for d, n in sorted(self.mapped.items())]
        if self.skipped:
            out.append("skipped:")
            for reason, n in self.skipped.most_common():
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
        missing = [cols[k][0] for k in REQUIRED[fmt] if t.column(*cols[k]) is None]
        if missing:
            raise AdminError(f"{f}: not a {fmt} list: column(s) {', '.join(missing)} missing "
                             f"(found: {', '.join(h for h in t.header if h)})")
        tables.append(t)
    with connect(dsn) as conn:
        known = _Known(conn)
        rows, mapped, skipped, examples = _map(fmt, tables, known)
        if dry_run:
            return Result(None, mapped, skipped, examples)
        summary = loader.load_rows(conn, rows, [], log=log,
                                   note={"import": fmt, "files": [str(f) for f in files]})
        if summary.version is not None:
            loader.vacuum(conn)
        return Result(summary, mapped, skipped, examples)


class _Known:
    """What the database already holds, by dictionary and normalized key: (is standard, standard term)."""

    def __init__(self, conn):
        self.conn = conn
        self.entries: dict[tuple[str, str], tuple[bool, str]] = {}
        for d, key, is_std, std in conn.execute(
                "SELECT e.dict, e.key, e.standard_id IS NULL, coalesce(s.term, e.term) FROM drugnorm.entry e "
                "LEFT JOIN drugnorm.entry s ON s.id = e.standard_id"):
            self.entries[(d, key)] = (is_std, std)

    def keys(self, terms: list[str], dicts: list[str]) -> list[str]:
        if not terms:
            return []
        return self.conn.execute("SELECT drugnorm.lexicon_keys(%s::text[], %s::text[])",
                                 (terms, dicts)).fetchone()[0]


def _map(fmt, tables, known: _Known):
    cols = FORMATS[fmt]
    skipped, examples = Counter(), defaultdict(list)

    def skip(reason, t, n):
        skipped[reason] += 1
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
    terms, dicts = [], []
    for _, _, v in raw:
        stem = forms.product_form(v["name"])
        for d, term in (("product_name", v["name"]), ("generic_name", stem[0] if stem else ""),
                        ("dosage_form", v["form"]), ("trade_name", v["trade"]), ("manufacturer", v["maker"]),
                        ("packaging_material", v["material"]), ("product_name", v["english"])):
            terms.append(term or "")
            dicts.append(d)
    keys = iter(known.keys(terms, dicts))

    out: dict[tuple[str, str], loader.Row] = {}
    mapped = Counter()

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

    for t, n, v in raw:
        k_name, k_generic, k_form, k_trade, k_maker, k_material, k_english = (next(keys) for _ in range(7))
        stem = forms.product_form(v["name"])
        generic = standard("generic_name", stem[0], k_generic, t, n) if stem else None
        form = standard("dosage_form", v["form"], k_form, t, n) if v["form"] else None
        if ("product_name", k_name) in known.entries:
            product = known.entries[("product_name", k_name)][1]
        else:
            product = standard("product_name", v["name"], k_name, t, n, generic=generic, dosage_form=form)
        trade = v["trade"]
        if trade and k_trade and k_trade != k_name:
            if ("trade_name", k_trade) in known.entries and not known.entries[("trade_name", k_trade)][0]:
                skip("trade name known as a synonym (kept as is)", t, n)
            else:
                standard("trade_name", trade, k_trade, t, n, generic=generic, product=product)
        elif v["trade"] and k_trade == k_name:
            skip("trade name equal to the product name (not a trade name)", t, n)
        standard("manufacturer", v["maker"], k_maker, t, n)
        standard("packaging_material", v["material"], k_material, t, n)
        if v["english"] and k_english and k_english != k_name and ("product_name", k_english) not in out \
                and ("product_name", k_english) not in known.entries and product:
            out[("product_name", k_english)] = loader.Row(str(t.path), n, "product_name", v["english"], product,
                                                          None, None, None, f"import {fmt}: {t.path.name}")
            mapped["product_name"] += 1
    return list(out.values()), mapped, skipped, examples
