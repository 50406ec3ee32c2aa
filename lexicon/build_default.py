"""Build the bundled lexicon (lexicon/default/*.tsv, load-dict format) from the seed data in ../shared/data/lexicon.

    .venv/bin/python lexicon/build_default.py [--shared DIR]

Curated files of this repository join the seed: lexicon/curated/aliases.tsv (dict, term, standard, kind, note:
common, former and abbreviated names), lexicon/curated/formulary_markers.tsv, lexicon/curated/units.tsv (the
seed's units.tsv columns), and lexicon/curated/tcm_herbs.tsv
(herb, processed, aliases: Chinese herbs after the Chinese Pharmacopoeia 2020 vol. I; ``processed`` and
``aliases`` are lists separated by ``|``, a processed form may give its other names after ``=``;
see ``tcm_herbs``).

Deterministic: the same seed data gives byte-identical files. What is kept and why is in lexicon/SOURCES.md;
the rules for guessed rows are in lexicon/rules.py (tested in tests/unit/test_lexicon_rules.py).

Within one dictionary, rows are keyed the way drugnorm keys them (plpython/preprocess.py with the OpenCC
traditional→simplified map), and a key keeps one meaning: a standard beats a synonym, and a synonym that
would point to two standards is dropped.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "plpython")]

import dosage_forms  # noqa: E402
import preprocess  # noqa: E402
import rules  # noqa: E402
from chars import has_hanzi  # noqa: E402

OUT = HERE / "default"
HEADER = ("dict", "term", "standard", "generic", "product", "dosage_form", "source")
# ※ ▲ ◆ ★ are not here: hospital catalogues use them as formulary flags (curated/formulary_markers.tsv).
IRRELEVANT = "□△○☆◢◣◤◥■●◇◎▼▽♦♢▶◀►◄✓✔√☑✱✲❖➤→←"
MARKERS = HERE / "curated" / "formulary_markers.tsv"
# Dosage-form synonyms of these relations say "is a", not "is the same as"; they are not kept.
BROADER = ("broader",)


def t2s_map() -> dict:
    import opencc
    from pypinyin.pinyin_dict import pinyin_dict
    cc = opencc.OpenCC("t2s")
    out = {}
    for cp in pinyin_dict:
        ch = chr(cp)
        s = cc.convert(ch)
        if len(s) == 1 and s != ch:
            out[ch] = s
    return out


class Dict:
    """One dictionary being built: standards, synonyms and links, keyed like drugnorm keys terms."""

    def __init__(self, name: str, key):
        self.name = name
        self.key = key
        self.std: dict[str, dict] = {}     # key -> row of a standard
        self.syn: dict[str, dict] = {}     # key -> row of a synonym (standard = a standard's term)
        self.conflicts: set[str] = set()

    def add_standard(self, term: str, source: str, **links) -> str | None:
        term = clean(term)
        k = self.key(term)
        if not k or (len(k) < 2 and self.name not in ("strength_unit", "package_unit")):
            return None
        if not rules.plausible_term(self.name, term):
            return None
        if k in self.std:
            row = self.std[k]
            for f, v in links.items():
                if v and not row.get(f):
                    row[f] = v
            return row["term"]
        self.std[k] = {"term": term, "source": source, **links}
        self.syn.pop(k, None)
        return term

    def standard_term(self, term: str) -> str | None:
        """The standard a term names: itself if a standard, its standard if a synonym."""
        k = self.key(clean(term))
        if k in self.std:
            return self.std[k]["term"]
        if k in self.syn:
            return self.syn[k]["standard"]
        return None

    def add_synonym(self, term: str, standard: str, source: str, plausible=None) -> None:
        """``plausible``: the test a term must pass, when not ``rules.plausible_term`` of this dictionary."""
        term = clean(term)
        k = self.key(term)
        std = self.standard_term(standard)
        if not k or std is None or k in self.std or k in self.conflicts:
            return
        if len(k) < 2 and self.name not in ("strength_unit", "package_unit"):
            return
        if not (plausible(term) if plausible else rules.plausible_term(self.name, term)):
            return
        if self.key(std) == k:
            return
        if k in self.syn and self.syn[k]["standard"] != std:
            del self.syn[k]
            self.conflicts.add(k)
            return
        self.syn.setdefault(k, {"term": term, "standard": std, "source": source})

    def rows(self):
        out = []
        for k, r in self.std.items():
            out.append((self.name, r["term"], "", r.get("generic") or "", r.get("product") or "",
                        r.get("dosage_form") or "", r["source"]))
        for k, r in self.syn.items():
            if self.key(r["standard"]) in self.std:
                out.append((self.name, r["term"], r["standard"], "", "", "", r["source"]))
        return sorted(out, key=lambda x: (x[2] != "", x[1]))


def clean(term: str) -> str:
    return " ".join(term.replace("\t", " ").split())


def read(shared: Path, name: str) -> list[dict]:
    with open(shared / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def tag(source: str) -> str:
    return source[:120]


def plain(dd: Dict, rows: list[dict], standard_kinds: tuple) -> None:
    """Standards first (their standard_term, else their term), then the synonyms the source states."""
    for r in rows:
        if r["kind"] in standard_kinds:
            dd.add_standard(r["standard_term"] or r["term"], tag(r["source"]))
    for r in rows:
        if r["kind"] == "synonym":
            dd.add_synonym(r["term"], r["standard_term"], tag(r["source"]))


def build(shared: Path, report: dict | None = None) -> dict[str, Dict]:
    """The dictionaries; ``report`` (if given) gets what the rules added and dropped."""
    report = {} if report is None else report
    t2s = t2s_map()
    irrelevant = frozenset(IRRELEVANT)

    def key(term):
        return preprocess.normalize_key(term, t2s, irrelevant)

    d = {n: Dict(n, key) for n in ("strength_unit", "package_unit", "dosage_form", "route", "packaging_material",
                                     "generic_name", "product_name", "trade_name", "manufacturer")}
    # units: a key is a strength unit or a package unit, not both (strength wins: 克 in 0.5克)
    units = [r for r in read(shared, "units.tsv") + read_curated(UNITS)
             if r["kind"] in ("standard", "synonym") and r["standard_term"]]
    for r in units:
        std = r["standard_term"].split("/")[0] if r["kind"] == "synonym" and "(" in r["standard_term"] else r["standard_term"]
        r["standard_term"] = std
    for kind in ("strength", "package"):
        dd = d[f"{kind}_unit"]
        for r in units:
            if r["unit_type"].startswith(kind):
                dd.add_standard(r["standard_term"], tag(r["source"]))
        for r in units:
            if r["unit_type"].startswith(kind) and r["kind"] == "synonym":
                dd.add_synonym(r["term"], r["standard_term"], tag(r["source"]))
    strength_keys = set(d["strength_unit"].std) | set(d["strength_unit"].syn)
    pu = d["package_unit"]
    pu.std = {k: v for k, v in pu.std.items() if k not in strength_keys}
    pu.syn = {k: v for k, v in pu.syn.items() if k not in strength_keys}

    # dosage forms: standards, then "same as" synonyms; a synonym naming a form that is not a standard
    # makes that form a standard
    forms = read(shared, "dosage_forms.tsv")
    df = d["dosage_form"]
    for r in forms:
        if r["kind"] == "standard":
            df.add_standard(r["term"], tag(r["source"]))
    for r in forms:
        if r["kind"] == "synonym" and not r["relation"].startswith(BROADER):
            if df.standard_term(r["standard_term"]) is None:
                df.add_standard(r["standard_term"], tag(r["source"]))
            df.add_synonym(r["term"], r["standard_term"], tag(r["source"]))
    for form in set(rules.FORM_SUFFIXES.values()) | {rules.INJECTION_FORM}:
        if df.standard_term(form) is None:
            df.add_standard(form, "drugnorm rules.FORM_SUFFIXES")
    # one form, one standard: 胶囊 is 胶囊剂, 滴眼液 is 滴眼剂 (rules.same_form)
    for k, row in sorted(df.std.items()):
        target = rules.same_form(row["term"], lambda t: df.key(t) in df.std)
        if target:
            del df.std[k]
            df.add_synonym(row["term"], target, row["source"] + "; merged by lexicon/rules.py same_form")
    for k, row in list(df.syn.items()):
        if df.key(row["standard"]) not in df.std:
            row["standard"] = df.standard_term(row["standard"]) or row["standard"]

    plain(d["route"], read(shared, "routes.tsv"), ("standard",))
    # observed packaging materials are real values: standards
    plain(d["packaging_material"], read(shared, "packaging_materials.tsv"), ("standard", "observed"))

    # generic names: the seed's standards and English synonyms; salt → base pairs the rule reproduces,
    # as a synonym of the salt when exactly one salt has that base and the base is not a generic itself
    gn = d["generic_name"]
    plain(gn, read(shared, "generic_names.tsv"), ("standard",))
    bases = defaultdict(set)
    for r in read(shared, "generic_salt_base.tsv"):
        if rules.salt_base(r["standard_term"]) == (r["salt"], r["term"]) and gn.standard_term(r["standard_term"]):
            bases[r["term"]].add(gn.standard_term(r["standard_term"]))
    for base, salts in sorted(bases.items()):
        if len(salts) == 1 and gn.standard_term(base) is None:
            gn.add_synonym(base, next(iter(salts)), "derived:salt_base (lexicon/rules.py salt_base)")

    # product names: standards link to their generic (when it is a generic standard) and dosage form
    pn = d["product_name"]
    products = read(shared, "product_names.tsv")
    for r in products:
        if r["kind"] != "standard":
            continue
        generic = gn.standard_term(r["generic_guess"]) if r["generic_guess"] else None
        form = None
        shape = rules.product_form(clean(r["term"]))
        if shape:
            form = df.standard_term(shape[1])
            if generic is None:
                generic = gn.standard_term(shape[0])
        if form is None and r["dosage_form_guess"]:
            form = df.standard_term(r["dosage_form_guess"])
        pn.add_standard(r["term"], tag(r["source"]), generic=generic, dosage_form=form)
    for r in products:
        if r["kind"] == "synonym":
            pn.add_synonym(r["term"], r["standard_term"], tag(r["source"]))

    # trade names: link to the product (its standard) and the generic (stated, else the product's)
    tn = d["trade_name"]
    trades = read(shared, "trade_names.tsv")
    def trade_links(r):
        product = pn.standard_term(r["product_name"]) if r["product_name"] else None
        generic = gn.standard_term(r["generic_guess"]) if r["generic_guess"] else None
        if generic is None and product:
            generic = pn.std[pn.key(product)].get("generic")
        return {"generic": generic, "product": product}

    for r in trades:
        if r["kind"] == "standard":
            tn.add_standard(r["term"], tag(r["source"]), **trade_links(r))
    for r in trades:
        if r["kind"] == "synonym":
            if tn.standard_term(r["standard_term"]) is None:
                tn.add_standard(r["standard_term"], tag(r["source"]), **trade_links(r))
            tn.add_synonym(r["term"], r["standard_term"], tag(r["source"]))

    report["nmpa"] = nmpa_names(d, read(shared, NMPA))
    report["curated"] = curated_aliases(d, read_curated(CURATED))

    # manufacturers: standards; stated synonyms (former names, English names, short names of a source);
    # guessed rows only when a rule reproduces them from the standard
    mf = d["manufacturer"]
    makers = read(shared, "manufacturers.tsv")
    noted = []
    for r in makers:
        if r["kind"] == "standard":
            plain_name = rules.strip_notes(r["term"])
            if plain_name != r["term"]:   # 重庆华邦制药有限公司（原：…）: the name is the standard, the note a synonym
                noted.append((r["term"], plain_name))
            mf.add_standard(plain_name, tag(r["source"]))
    for term, plain_name in noted:
        mf.add_synonym(term, plain_name, "derived:strip_notes (lexicon/rules.py)")
    for r in makers:
        if r["kind"] == "synonym":
            if mf.standard_term(r["standard_term"]) is None:
                mf.add_standard(r["standard_term"], tag(r["source"]))
            mf.add_synonym(r["term"], r["standard_term"], tag(r["source"]))
    for r in makers:
        if r["kind"] not in ("derived", "synonym_candidate") or mf.standard_term(r["standard_term"]) is None:
            continue
        if rules.manufacturer_short_name(r["standard_term"]) == r["term"]:
            mf.add_synonym(r["term"], r["standard_term"], "derived:manufacturer_short_name (lexicon/rules.py)")
        elif rules.strip_notes(r["term"]) == r["standard_term"]:
            mf.add_synonym(r["term"], r["standard_term"], "derived:strip_notes (lexicon/rules.py)")
    for standard in list(mf.std.values()):
        for spelling in rules.region_in_brackets(standard["term"]):
            mf.add_synonym(spelling, standard["term"], "derived:region_in_brackets (lexicon/rules.py)")
    report["manufacturer_forms"] = manufacturer_short_forms(d)
    # last: a herb name any other source gives a meaning keeps that meaning
    report["tcm_herbs"] = tcm_herbs(d, read_curated(HERBS))
    return d


CURATED = HERE / "curated" / "aliases.tsv"
UNITS = HERE / "curated" / "units.tsv"     # units the seed lacks that HIS specs write (kcal, MBq, cm)
CURATED_KINDS = ("common_name", "former_name", "abbreviation")


def read_curated(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _resolve(dd: "Dict", name: str) -> str | None:
    """The standard a name has in the dictionary: its own, or for a generic name that is a base, the one
    salt form of it (哌替啶 → 盐酸哌替啶 when that is the only salt of it the lexicon has)."""
    std = dd.standard_term(name)
    if std or dd.name != "generic_name":
        return std
    salts = [r["term"] for r in dd.std.values() if (rules.salt_base(r["term"]) or ("", ""))[1] == name]
    return salts[0] if len(salts) == 1 else None


def curated_aliases(d: dict[str, "Dict"], rows: list[dict]) -> dict[str, int]:
    """Common, former and abbreviated names (lexicon/curated/aliases.tsv) as synonyms of the generic or
    product name they name. ``standard`` lists the names to try in order (A|B); a row whose standard the
    lexicon lacks is dropped, and so is a row whose term the drug dictionaries already use for something
    else (a key keeps one meaning). Latin abbreviations need three characters and two letters (ATP, VB1,
    5-FU); a single letter pair (VC, NS) is too likely to be something else."""
    counts: dict[str, int] = defaultdict(int)
    drug = [d[n] for n in ("generic_name", "product_name", "trade_name")]
    for r in rows:
        dd, kind = d[r["dict"]], r["kind"]
        if kind not in CURATED_KINDS:
            raise ValueError(f"{CURATED}: kind {kind!r} is not one of {CURATED_KINDS}")
        std = next((s for s in (_resolve(dd, c.strip()) for c in r["standard"].split("|")) if s), None)
        if std is None:
            counts["no_standard"] += 1
            continue
        k = dd.key(clean(r["term"]))
        if any(k in x.std or k in x.syn for x in drug):
            trade = d["trade_name"].std.get(k)
            same = dd.standard_term(r["term"]) == std or (trade and std in (trade.get("generic"), trade.get("product")))
            counts["known_alike" if same else "used_otherwise"] += 1     # 速尿: a trade name of 呋塞米 already
            continue
        before = len(dd.syn)
        dd.add_synonym(r["term"], std, f"curated:{kind} (lexicon/curated/aliases.tsv)",
                       plausible=rules.plausible_alias)
        counts[f"added_{dd.name}"] += len(dd.syn) - before
    return dict(counts)


HERBS = HERE / "curated" / "tcm_herbs.tsv"
HERB_SOURCE = "curated: Chinese Pharmacopoeia 2020 vol. I (domain knowledge)"
HERB_FORM = dosage_forms.DECOCTION_PIECE
# how catalogues write the forms after a herb (白术饮片, 白术配方颗粒): dosage-form synonyms, so suffixes
HERB_FORM_NAMES = (("饮片", HERB_FORM), ("配方颗粒", "颗粒剂"))


def tcm_herbs(d: dict[str, "Dict"], rows: list[dict]) -> dict[str, int]:
    """Chinese herbs (lexicon/curated/tcm_herbs.tsv: herb, processed, aliases; lists separated by ``|``).

    - ``herb``, a monograph of the pharmacopoeia (白术), is a generic-name standard, and a product-name
      standard too: the decoction piece sold under the herb's own name, linked to the herb and to the
      dosage form 中药饮片 (as 人血白蛋白 is a generic and a product of the lexicon);
    - each ``processed`` form the pharmacopoeia lists under it (麸炒白术; 炙甘草, 熟地黄 are monographs of
      their own, listed under the herb they are made from) is a product-name standard linked the same way;
      ``form=other|…`` also gives the names catalogues write for that form (麸炒白术=炒白术, 黑顺片=黑附片)
      as synonyms of the product;
    - ``aliases`` are names hospital catalogues use for the herb (怀牛膝, 川军): synonyms of the herb's
      generic and product names;
    - the forms catalogues write after a herb (白术饮片, 白术配方颗粒: ``HERB_FORM_NAMES``) are dosage-form
      synonyms.

    Herbs come last and a key keeps one meaning: a term that is already a key of any dictionary is left out
    and counted, except a generic name (the herb: 三七, 当归) and a product named the herb that links no
    other generic (大黄, 阿胶: the seed's decoction pieces), which gain the missing links."""
    gn, pn, df = d["generic_name"], d["product_name"], d["dosage_form"]
    form = df.standard_term(HERB_FORM)
    if form is None:
        raise ValueError(f"{HERBS}: the dosage form {HERB_FORM} is not a standard of the lexicon")
    counts: dict[str, int] = defaultdict(int)
    herbs = [clean(r["herb"]) for r in rows]
    if len(set(herbs)) != len(herbs):
        raise ValueError(f"{HERBS}: a herb is listed twice: {sorted(h for h in set(herbs) if herbs.count(h) > 1)}")

    def owners(term):
        """The dictionaries that have the term as a key."""
        k = gn.key(clean(term))
        return {name for name, dd in d.items() if k in dd.std or k in dd.syn or k in dd.conflicts}

    for name, standard in HERB_FORM_NAMES:
        if not owners(name):
            df.add_synonym(name, standard, "curated: HERB_FORM_NAMES (lexicon/build_default.py)")
            counts["form_name_added"] += 1

    def piece_of(term, generic, also=frozenset()):
        """Whether ``term`` can be the product name of a decoction piece of ``generic``: no dictionary but
        ``also`` has its key, or the product standard of that name links ``generic`` or no generic."""
        taken = owners(term) - also
        row = pn.std.get(pn.key(clean(term)))
        return not taken or taken == {"product_name"} and row is not None and row["term"] == clean(term) \
            and row.get("generic") in (None, generic)

    def add_piece(term, generic):
        before = pn.key(clean(term)) in pn.std
        pn.add_standard(term, HERB_SOURCE, generic=generic, dosage_form=form)   # fills missing links
        return "known" if before else "added"

    for r in rows:
        herb = clean(r["herb"])
        taken = owners(herb)
        if gn.key(herb) not in gn.syn and gn.key(herb) not in gn.conflicts \
                and piece_of(herb, herb, also={"generic_name"}):
            counts["herb_known_generic" if "generic_name" in taken else "herb_added"] += 1
            generic = gn.add_standard(herb, HERB_SOURCE)
            counts[f"herb_piece_{add_piece(herb, generic)}"] += 1
        else:
            generic = None
            counts["herb_is_" + "_".join(sorted(taken))] += 1
        for item in filter(None, (x.strip() for x in r["processed"].split("|"))):
            name, *others = (clean(x) for x in item.split("="))
            if not piece_of(name, generic):
                counts["processed_is_" + "_".join(sorted(owners(name)))] += 1
                continue
            counts[f"processed_{add_piece(name, generic)}"] += 1
            for other in others:
                if owners(other):
                    counts["processed_alias_is_" + "_".join(sorted(owners(other)))] += 1
                else:
                    pn.add_synonym(other, name, HERB_SOURCE)
                    counts["processed_alias_added"] += 1
        for alias in filter(None, (clean(x) for x in r["aliases"].split("|"))):
            if generic is None:
                counts["alias_without_herb"] += 1
            elif owners(alias):
                counts["alias_is_" + "_".join(sorted(owners(alias)))] += 1
            else:   # the herb's name: of the herb and of its decoction piece alike
                gn.add_synonym(alias, generic, HERB_SOURCE)
                pn.add_synonym(alias, herb, HERB_SOURCE)
                counts["alias_added"] += 1
    return dict(counts)


NMPA = "nmpa_imported_names.tsv"
PLACEHOLDERS = ("", "-", "--", "----", "/", "无", "null", "none")


def _given(value: str) -> str:
    """A register field, or "" for a placeholder (----, 无) or a value with characters lost in encoding
    (注射用盐酸地尔硫?: control characters, ?, U+FFFD)."""
    v = clean(value or "")
    if any(ch < " " or ch in "\x7f?？\ufffd" for ch in v):
        return ""
    return "" if v.strip("-－—/ ").lower() in PLACEHOLDERS else v


def nmpa_names(d: dict[str, "Dict"], rows: list[dict]) -> dict[str, int]:
    """The NMPA register (approval number, product name zh/en, trade name zh/en):

    - the English product name becomes a synonym of the Chinese product name (Atorvastatin Calcium Tablets
      → 阿托伐他汀钙片), or of the generic name when the register lists a substance without a form
      (Cefaclor → 头孢克洛); a product name the lexicon lacks becomes a standard linked by the product rules
      (its form by ``product_form``, its generic when the stem is a generic name of the lexicon);
    - the Chinese trade name becomes a trade name linked to the product and its generic; a trade name of
      several products keeps only their generic when they share one and is dropped when they do not;
    - the English brand becomes a synonym of the Chinese trade name (Lipitor → 立普妥), or a trade name
      itself when the register gives no Chinese one.

    A trade name or brand that is a product or generic key is left out (a key keeps one meaning), and so is
    a row whose product the lexicon cannot place (vaccines, kits, substances it does not know)."""
    gn, pn, df, tn = d["generic_name"], d["product_name"], d["dosage_form"], d["trade_name"]
    counts: dict[str, int] = defaultdict(int)
    drug_keys = set(gn.std) | set(gn.syn) | set(pn.std) | set(pn.syn)

    def source(r):
        return f"NMPA register {clean(r['approval_no'])} ({NMPA})"

    placed = []     # (row, dictionary, standard)
    for r in rows:
        zh = _given(r["product_zh"])
        if not zh:
            counts["product_unreadable"] += 1
            continue
        if pn.standard_term(zh):
            placed.append((r, pn, pn.standard_term(zh)))
            counts["rows_of_a_product"] += 1
        elif gn.standard_term(zh):
            placed.append((r, gn, gn.standard_term(zh)))
            counts["rows_of_a_generic"] += 1
        elif rules.product_form(zh) and rules.plausible_term("product_name", zh):
            stem, form = rules.product_form(zh)
            std = pn.add_standard(zh, source(r), generic=gn.standard_term(stem), dosage_form=df.standard_term(form))
            if std:
                counts["product_added"] += 1
                placed.append((r, pn, std))
            else:
                counts["product_unplaced"] += 1
        else:
            counts["product_unplaced"] += 1
    english: dict = defaultdict(dict)        # (dictionary, key) -> {standard: (term, source)}
    for r, dd, std in placed:
        en = _given(r["product_en"])
        if en and not has_hanzi(en) and rules.plausible_term(dd.name, en):
            english[(dd.name, dd.key(en))].setdefault(std, (en, source(r)))

    # trade names: the Chinese one, else the English brand; one trade name, one drug
    trades: dict[str, list] = defaultdict(list)     # trade key -> [(term, product, generic, row)]
    paired = {tn.key(_given(r["trade_en"])) for r, _, _ in placed if _given(r["trade_zh"]) and _given(r["trade_en"])}
    for r, dd, std in placed:
        product = std if dd is pn else None
        generic = pn.std[pn.key(std)].get("generic") if product else std
        term = _given(r["trade_zh"]) or _given(r["trade_en"])
        if not _given(r["trade_zh"]) and tn.key(term) in paired:
            continue            # a brand the register also gives with its Chinese name: a synonym of that
        if term and rules.register_trade_name(term):
            trades[tn.key(term)].append((term, product, generic, r))
    kept = {}
    for k, claims in trades.items():
        products = {c[1] for c in claims}
        generics = {c[2] for c in claims}
        if k in drug_keys:
            counts["trade_is_drug_name"] += 1
            continue
        if len(generics) > 1 or None in generics and len(products) > 1:
            counts["trade_ambiguous"] += 1
            continue
        term, _, generic, r = claims[0]
        product = next(iter(products)) if len(products) == 1 else None
        if k in tn.syn:
            kept[k] = tn.syn[k]["standard"]
            continue
        if k in tn.std:
            row = tn.std[k]
            if row.get("generic") and generic and row["generic"] != generic:
                # the register is the authority on what its trade names are: 再普乐 is olanzapine, not
                # linezolid as a secondary source has it
                row.update(generic=generic, product=product, source=tag(f"{row['source']}; links: {source(r)}"))
                counts["trade_relinked"] += 1
            else:
                row["generic"] = row.get("generic") or generic
                if not row.get("product") and product and row["generic"] == generic:
                    row["product"] = product
        else:
            tn.add_standard(term, source(r), generic=generic, product=product)
            counts["trade_added"] += 1
        kept[k] = tn.std[k]["term"]
    for r, dd, std in placed:
        zh, en = _given(r["trade_zh"]), _given(r["trade_en"])
        if zh and en and not has_hanzi(en) and tn.key(zh) in kept and tn.key(en) not in drug_keys \
                and rules.register_trade_name(en):
            english[("trade_name", tn.key(en))].setdefault(kept[tn.key(zh)], (en, source(r)))
    # English names and brands: the register's pairing replaces another source's (Zyvox is not 再普乐);
    # a name the register itself gives two meanings is left as it was
    for (name, k), by_standard in sorted(english.items()):
        dd = d[name]
        label = "english_brand" if name == "trade_name" else f"english_{name}"
        if len(by_standard) > 1:
            counts[f"{label}_ambiguous"] += 1
            continue
        (std, (term, src)), = by_standard.items()
        if k in dd.std or (k in dd.syn and dd.syn[k]["standard"] == std):
            continue
        if k in dd.syn or k in dd.conflicts:
            dd.syn.pop(k, None)
            dd.conflicts.discard(k)
            counts[f"{label}_replaced"] += 1
        before = len(dd.syn)
        dd.add_synonym(term, std, src)
        counts[label] += len(dd.syn) - before
    return dict(counts)


SHORT_FORM_RULES = {   # rule name -> source of the rows it adds
    "short_form": "rule:short_form (lexicon/rules.py manufacturer_short_forms)",
    "short_form_without_region": "rule:short_form_without_region (lexicon/rules.py manufacturer_short_forms)",
    "latin_short_form": "rule:latin_short_form (lexicon/rules.py latin_short_form)",
    "legal_form_variant": "rule:legal_form_variant (lexicon/rules.py legal_form_variants, latin_form_variants)",
}


def manufacturer_short_forms(d: dict[str, "Dict"]) -> dict[str, int]:
    """Short forms and legal-form variants of every stated full manufacturer name (a standard or a
    synonym a source gives, not one another rule made), as synonyms of its standard. A form two standards would share is left out, unless exactly one of them
    gives it without dropping a region (辉瑞制药 is 辉瑞制药有限公司, not 辉瑞制药（无锡）有限公司); so are a form
    that is a key of another dictionary (a wrong drug is worse than none) and a form the dictionary has."""
    mf = d["manufacturer"]
    other = set()
    for name, dd in d.items():
        if name != "manufacturer":
            other |= set(dd.std) | set(dd.syn)
    claims: dict[str, dict[str, tuple]] = defaultdict(dict)   # key -> {standard: (dropped a region, term, rule)}

    def claim(term, standard, rule):
        k = mf.key(clean(term))
        c = (rule == "short_form_without_region", term, rule)
        if standard not in claims[k] or c < claims[k][standard]:
            claims[k][standard] = c

    names = [(r["term"], r["term"], True) for r in mf.std.values()] + \
        [(r["term"], r["standard"], not r["source"].startswith("derived:")) for r in mf.syn.values()]
    for term, standard, stated in names:
        if not stated:      # a name another rule made (白药集团(云南)股份有限公司): no guess on a guess
            continue
        for form, rule in rules.manufacturer_short_forms(term):
            claim(form, standard, rule)
        latin = rules.latin_short_form(term)
        if latin:
            claim(latin, standard, "latin_short_form")
        for variant in rules.legal_form_variants(term) + rules.latin_form_variants(term):
            claim(variant, standard, "legal_form_variant")

    def owner(by_standard):
        best = min(c[0] for c in by_standard.values())
        owners = [s for s, c in by_standard.items() if c[0] == best]
        return owners[0] if len(owners) == 1 else None

    # short names an earlier rule kept are claims too: a key two standards would share is nobody's
    for k, r in list(mf.syn.items()):
        if r["source"].startswith("derived:manufacturer_short_name") and k in claims \
                and set(claims[k]) - {r["standard"]} and owner(claims[k]) != r["standard"]:
            del mf.syn[k]
            mf.conflicts.add(k)
    counts: dict[str, int] = defaultdict(int)
    for k, by_standard in sorted(claims.items()):
        standard = owner(by_standard)
        if standard is None:
            counts["shared"] += 1
            continue
        if k in other:
            counts["other_dict"] += 1
            continue
        if k in mf.std or k in mf.syn or k in mf.conflicts:
            continue
        _, term, rule = by_standard[standard]
        before = len(mf.syn)
        mf.add_synonym(term, standard, SHORT_FORM_RULES[rule])
        counts[rule] += len(mf.syn) - before
    return dict(counts)


def write(d: dict[str, Dict], out: Path) -> dict[str, tuple[int, int]]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.tsv"):
        old.unlink()
    files = {"strength_unit": "10_units", "package_unit": "10_units", "irrelevant_char": "10_units",
             "dosage_form": "20_dosage_form", "route": "30_route", "packaging_material": "40_packaging_material",
             "generic_name": "50_generic_name", "product_name": "60_product_name", "trade_name": "70_trade_name",
             "manufacturer": "80_manufacturer"}
    grouped = defaultdict(list)
    counts = {}
    for name, dd in d.items():
        rows = dd.rows()
        grouped[files[name]].extend(rows)
        counts[name] = (sum(1 for r in rows if not r[2]), sum(1 for r in rows if r[2]))
    grouped["10_units"].extend(("irrelevant_char", ch, "", "", "", "", "drugnorm (patent claim 3 list, extended)")
                               for ch in IRRELEVANT)
    counts["irrelevant_char"] = (len(IRRELEVANT), 0)
    with open(MARKERS, encoding="utf-8") as f:   # curated as they are: insurance classes, lists, flags
        markers = list(csv.DictReader(f, delimiter="\t"))
    grouped["15_formulary_marker"].extend((m["dict"], m["term"], m["standard"], "", "", "", m["source"])
                                          for m in markers)
    for name in ("insurance_class", "formulary_marker"):
        mine = [m for m in markers if m["dict"] == name]
        counts[name] = (sum(1 for m in mine if not m["standard"]), sum(1 for m in mine if m["standard"]))
    for fname, rows in sorted(grouped.items()):
        with open(out / f"{fname}.tsv", "w", encoding="utf-8", newline="") as f:
            f.write("\t".join(HEADER) + "\n")
            for r in rows:
                f.write("\t".join(r) + "\n")
    return counts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "lexicon")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    report: dict = {}
    counts = write(build(args.shared, report), args.out)
    for name, (std, syn) in sorted(counts.items()):
        print(f"{name:<20} {std:>6} standards {syn:>6} synonyms")
    for step, c in report.items():
        print(f"{step}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
