"""Build the development eval files (eval/dev_*.tsv) from the real HIS tables in ../shared/data/eval.

    .venv/bin/python eval/build_eval.py [--shared DIR]

Stdlib only, deterministic (a rebuild gives byte-identical files). How each column is derived is in
eval/README.md; the rules are the functions below (spec_truth, clean_product, ...).
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "data"

COLUMNS = ("input", "product", "trade", "dosage_form", "strength", "package", "manufacturer", "is_drug",
           "category", "mnemonic", "source")  # the last three are not read by `drugnorm-admin eval`

# Strength units as written -> standard unit (units.tsv of the seed lexicon), lower-cased like eval compares.
STRENGTH_UNITS = {
    "mg": "mg", "毫克": "mg", "g": "g", "克": "g", "kg": "kg", "μg": "μg", "µg": "μg", "ug": "μg", "mcg": "μg",
    "微克": "μg", "ml": "ml", "毫升": "ml", "l": "l", "升": "l", "iu": "iu", "国际单位": "iu", "u": "u",
    "单位": "u", "万u": "万u", "万单位": "万u", "万iu": "万iu", "万国际单位": "万iu", "mmol": "mmol", "%": "%",
}
# Package units -> standard (units.tsv: 包→袋, 管/只→支, 听/罐→瓶). 's' (片 or 粒) is left out: ambiguous.
PACKAGE_UNITS = {
    "片": "片", "粒": "粒", "支": "支", "只": "支", "管": "支", "瓶": "瓶", "听": "瓶", "罐": "瓶", "袋": "袋",
    "包": "袋", "盒": "盒", "板": "板", "丸": "丸", "贴": "贴", "揿": "揿", "喷": "喷", "枚": "枚", "块": "块",
    "条": "条", "张": "张", "套": "套", "桶": "桶", "卷": "卷",
}
_NUM = r"\d+(?:\.\d+)?"
_SU = "|".join(sorted((re.escape(u) for u in STRENGTH_UNITS), key=len, reverse=True))
_PU = "|".join(sorted((re.escape(u) for u in PACKAGE_UNITS), key=len, reverse=True))
_Q = re.compile(rf"({_NUM})({_SU})")
_STRENGTHS = re.compile(rf"(?:{_NUM}(?:{_SU}))(?:[:/]?{_NUM}(?:{_SU}))*")
_PACKAGE = re.compile(rf"({_NUM})({_PU})(?:/({_PU}))?")
_SPEC = re.compile(rf"(?P<s>{_STRENGTHS.pattern})?(?:(?(s)[×x*]){_STRENGTHS.pattern})?"
                   rf"(?:(?(s)[×x*])(?P<p>{_PACKAGE.pattern}))?(?:/(?P<c>{_PU}))?")

# Name suffixes (longest first) -> the dosage-form word they are; used to decide whether a name is a
# product name and whether a source dosage form agrees with the name.
FORM_SUFFIXES = sorted((
    "片", "薄膜衣片", "肠溶片", "缓释片", "控释片", "分散片", "咀嚼片", "泡腾片", "口崩片", "口腔崩解片", "含片",
    "阴道片", "阴道泡腾片", "舌下片", "胶囊", "软胶囊", "肠溶胶囊", "肠溶软胶囊", "缓释胶囊", "控释胶囊", "胶丸",
    "颗粒", "注射液", "滴眼液", "滴眼剂", "滴耳液", "滴耳剂", "滴鼻液", "滴鼻剂", "眼膏", "软膏", "乳膏", "凝胶",
    "眼用凝胶", "栓", "贴", "贴剂", "贴膏", "口服液", "口服溶液", "糖浆", "混悬液", "干混悬剂", "混悬剂", "气雾剂",
    "喷雾剂", "鼻喷雾剂", "粉雾剂", "吸入剂", "散", "丸", "滴丸", "酊", "洗剂", "搽剂", "溶液", "合剂", "乳剂",
    "煎膏", "膏", "滴剂", "喷剂", "灌肠液", "冲剂",
), key=len, reverse=True)

NON_DRUG_CATEGORIES = {"原料药", "药品器械", "药品材料", "湿巾"}
NON_DRUG_WORDS = ("消毒", "清洗液", "试剂", "注射器", "输液器", "导管", "缝线", "手套", "纱布", "棉签", "敷料")

SEPARATORS = (" ", " ", " ", " ", "  ", "  ", ",", "", "", "|")  # chosen per row by crc32: deterministic


def fold(s: str) -> str:
    """Full-width to half-width (（）→(), ：→:), whitespace collapsed; case kept."""
    s = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s)
    s = s.replace("\u3000", " ")
    return re.sub(r"\s+", " ", s).strip()


def spec_truth(spec: str) -> tuple[str, str]:
    """(strength, package) truths of a spec_package string; '' where the spec does not say it clearly.

    strength is the first quantity of the first strength, as drug_parse reports it ('5ml:10mg' -> '5ml');
    package is the first package as drug_parse displays it ('20片/盒', '1支'). A spec that does not parse
    completely gives nothing; 'Ng/Ng' (formula granules: granule weight / herb weight) gives no strength.

    >>> spec_truth("0.5g*6片"), spec_truth("200mg×100ml/瓶"), spec_truth("10mg×20片/盒")
    (('0.5g', '6片'), ('200mg', ''), ('10mg', '20片/盒'))
    >>> spec_truth("30.000mg*100片/瓶"), spec_truth("0.5g/3g*1袋"), spec_truth("10:20ml×1支")
    (('30mg', '100片/瓶'), ('', '1袋'), ('', ''))
    """
    s = fold(spec).lower().replace(" ", "").replace("：", ":")
    m = _SPEC.fullmatch(s)
    if not m or not (m.group("s") or m.group("p")):
        return "", ""
    strength = package = ""
    if m.group("s"):
        qs = _Q.findall(m.group("s"))
        units = [STRENGTH_UNITS[u] for _, u in qs]
        granule = units == ["g", "g"] and "/" in m.group("s")   # 0.5g/10g: granule per herb weight
        if not granule:
            strength = canon_number(qs[0][0]) + units[0]
    if m.group("p"):
        pm = _PACKAGE.fullmatch(m.group("p"))
        package = canon_number(pm.group(1)) + PACKAGE_UNITS[pm.group(2)]
        container = pm.group(3) or m.group("c")
        if container:
            package += "/" + PACKAGE_UNITS[container]
    return strength, package


def canon_number(n: str) -> str:
    if "." in n:
        n = n.rstrip("0").rstrip(".")
    n = n.lstrip("0") or "0"
    return "0" + n if n.startswith(".") else n


def strip_brackets(name: str) -> str:
    """A name without its bracketed tokens (trade names, regions, containers); an unclosed one runs to the end."""
    s = fold(name)
    prev = None
    while prev != s:
        prev = s
        s = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]", "", s)
    s = re.sub(r"[(\[【].*$", "", s)
    return s.strip()


def clean_product(raw: str) -> str:
    """The product name in a catalogue name, or '' when the cleaned name is not product-shaped.

    Drops HIS class markers (BG, LB, G before a Chinese character), bracketed tokens and a leading
    concentration (5%葡萄糖注射液 -> 葡萄糖注射液: drug_parse reads 5% as a strength). Product-shaped =
    ends with a dosage-form word or starts with 注射用.

    >>> clean_product("BG酒石酸唑吡坦片(思诺思)"), clean_product("瑞舒伐他汀钙(托妥）片"), clean_product("夜交藤")
    ('酒石酸唑吡坦片', '瑞舒伐他汀钙片', '')
    """
    s = strip_brackets(raw)
    s = re.sub(r"^[A-Z]{1,2}(?=[\u4e00-\u9fff])", "", s)
    s = re.sub(rf"^{_NUM}%", "", s).strip()
    if " " in s or len(s) < 3:
        return ""
    if s.startswith("注射用") and len(s) > 4:
        return s
    return s if name_suffix(s) else ""


def name_suffix(name: str) -> str:
    for suf in FORM_SUFFIXES:
        if name.endswith(suf) and len(name) > len(suf) + 1:
            return suf
    return ""


def form_agrees(name: str, form: str) -> bool:
    """A source dosage form is kept as truth only when it is the name's own suffix (片/片剂, 颗粒/颗粒剂,
    缓释片/缓释片): drug_parse can only read the form off the name, and registration forms (薄膜衣片 for
    阿奇霉素片, 注射剂 for …注射液) are finer or coarser than the name tells."""
    suf = name_suffix(name)
    form = fold(form)
    return bool(suf) and bool(form) and (form == suf or form == suf + "剂")


def clean_manufacturer(m: str) -> str:
    """The manufacturer column, or '' when it is not a company name (a bare region, a cut-off stub).

    HIS rows append a stray 'S' or '0', or a '(…分装)' note, to some names; those are dropped.
    """
    s = fold(m)
    s = re.sub(r"(?<=[\u4e00-\u9fff)])[0-9A-Z]$", "", s)
    s = re.sub(r"\s*\([^()]*分装[^()]*\)$", "", s).strip()
    if len(s) < 4:
        return ""
    if re.search(r"[A-Za-z]{4}", s):
        return s
    return s if re.search(r"(公司|药业|制药|药厂|集团|株式会社|医药|制品厂|生物)", s) else ""


def is_drug(raw: str, category: str) -> str:
    if category in NON_DRUG_CATEGORIES or any(w in raw for w in NON_DRUG_WORDS):
        return "0"
    return "1"


def compose(raw: str, spec: str, manufacturer: str) -> str:
    """A HIS display string: name, spec and manufacturer joined by one of a few separators, chosen per row."""
    h = zlib.crc32(f"{raw}\x00{spec}\x00{manufacturer}".encode())
    sep = SEPARATORS[h % len(SEPARATORS)]
    parts = [p for p in (raw.strip(), spec.strip(), manufacturer.strip()) if p]
    if sep == "" and len(parts) > 1 and (h >> 8) % 2:
        # name(spec)manufacturer, as some catalogues print it
        return parts[0] + "(" + parts[1] + ")" + "".join(parts[2:])
    return sep.join(parts)


def product_truth(raw: str) -> str:
    """The registered product name: without container notes, and without a leading concentration
    (0.9%氯化钠注射液 is registered as 氯化钠注射液 with the spec 0.9%; drugnorm reports it as the strength)."""
    raw = re.sub(r"[（(](外用|塑瓶|软袋|玻瓶|进口|国产)[）)]$", "", raw)
    return re.sub(r"^\d+(\.\d+)?%", "", raw)


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def cell(s: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", s or "").strip()


def neusoft(rows: list[dict], trade_terms: set[str]) -> list[dict]:
    out = []
    for r in rows:
        raw = r["raw"]
        cat = r["dosage_form_category"]
        drug = is_drug(raw, cat)
        trade_field = fold(r["trade_name_field"])
        shown = raw if not trade_field or trade_field in raw else f"{raw}({trade_field})"
        row = {"input": compose(shown, r["spec_package"], r["manufacturer"]), "is_drug": drug,
               "category": f"{r['drug_type']}/{cat}", "mnemonic": r["mnemonic"], "source": r["source"]}
        if drug == "1":
            product = clean_product(raw)
            strength, package = spec_truth(r["spec_package"])
            if r["drug_type"] == "中草药":
                strength = package = ""   # 1000mg/g, 克: a weighing unit, not a strength
            trade = trade_field or (fold(r["paren_token"]) if fold(r["paren_token"]) in trade_terms else "")
            row.update(product=product, trade=trade, strength=strength, package=package,
                       manufacturer=clean_manufacturer(r["manufacturer"]),
                       dosage_form=fold(cat) if product and form_agrees(product, cat) else "")
        out.append(row)
    return out


def ambusmart(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        raw = r["raw"]
        if raw.strip().lower() in ("", "string"):
            continue   # a placeholder row of the dump
        drug = is_drug(raw, "")
        product = clean_product(raw)
        strength, package = spec_truth(r["spec_package"])
        row = {"input": compose(raw, r["spec_package"], r["manufacturer"]), "is_drug": drug,
               "category": fold(r["dosage_form"]), "source": r["source"]}
        if drug == "1":
            row.update(product=product, strength=strength, package=package,
                       manufacturer=clean_manufacturer(r["manufacturer"]),
                       dosage_form=fold(r["dosage_form"]) if product and form_agrees(product, r["dosage_form"]) else "")
        out.append(row)
    return out


def mnemonic_pairs(rows: list[dict]) -> list[tuple[str, str]]:
    """(mnemonic, product name) for drug_lookup: the initials part of the HIS mnemonic (before '(')."""
    pairs = set()
    for r in rows:
        product = clean_product(r["raw"])
        m = re.sub(r"[(（].*$", "", fold(r["mnemonic"])).strip()
        marker = re.match(r"[A-Z]{1,2}(?=[\u4e00-\u9fff])", fold(r["raw"]))
        if marker and m.startswith(marker.group()):
            m = m[marker.end():]   # BGJSSZZTP for BG酒石酸唑吡坦片: the class marker is not part of the name
        if product and m and re.fullmatch(r"[A-Z0-9]+", m):
            pairs.add((m, product))
    return sorted(pairs)


def write(path: Path, rows: list[dict], columns=COLUMNS) -> None:
    seen, uniq = set(), []
    for r in rows:
        line = tuple(cell(r.get(c, "")) for c in columns)
        if line[0] and line[0] not in seen:
            seen.add(line[0])
            uniq.append(line)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("\t".join(columns) + "\n")
        for line in uniq:
            f.write("\t".join(line) + "\n")
    print(f"{path}: {len(uniq)} rows", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data dir (has eval/, lexicon/)")
    ap.add_argument("--out", type=Path, default=HERE, help="where to write the dev files (default: eval/)")
    args = ap.parse_args(argv)
    out = args.out
    ev = args.shared / "eval"
    trade_terms = {fold(r["term"]) for r in read(args.shared / "lexicon" / "trade_names.tsv")}
    neu = read(ev / "neusoft_his_dms_drug.tsv")
    write(out / "dev_neusoft.tsv", neusoft(neu, trade_terms))
    write(out / "dev_ambusmart.tsv", ambusmart(read(ev / "ambusmart_medicine.tsv")),
          tuple(c for c in COLUMNS if c not in ("trade", "mnemonic")))
    pairs = mnemonic_pairs(neu)
    with (out / "dev_mnemonic.tsv").open("w", encoding="utf-8", newline="") as f:
        f.write("query\texpected\n")
        for q, e in pairs:
            f.write(f"{q}\t{e}\n")
    print(f"{out / 'dev_mnemonic.tsv'}: {len(pairs)} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
