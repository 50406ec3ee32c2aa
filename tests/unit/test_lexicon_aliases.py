"""Aliases of the bundled lexicon: the NMPA register's English and trade names, and the curated common,
former and abbreviated names (lexicon/curated/aliases.tsv). The rules are in lexicon/build_default.py and
lexicon/rules.py; these tests run them on small inputs and check what the built files hold."""
import csv
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "lexicon"), str(ROOT / "plpython")]
import build_default  # noqa: E402
import rules  # noqa: E402

DEFAULT = ROOT / "lexicon" / "default"


def small_lexicon():
    """A few standards, keyed like the build keys them (no OpenCC map needed for these terms)."""
    import preprocess
    irrelevant = frozenset(build_default.IRRELEVANT)

    def key(term):
        return preprocess.normalize_key(term, {}, irrelevant)

    d = {n: build_default.Dict(n, key) for n in ("dosage_form", "generic_name", "product_name", "trade_name",
                                                   "manufacturer")}
    for form in ("片剂", "注射液", "胶囊剂", "注射用无菌粉末"):
        d["dosage_form"].add_standard(form, "test")
    gn, pn = d["generic_name"], d["product_name"]
    for g in ("阿托伐他汀钙", "头孢克洛", "对乙酰氨基酚", "盐酸普萘洛尔", "地西泮", "酒石酸美托洛尔", "琥珀酸美托洛尔",
              "尼莫地平", "阿司匹林"):
        gn.add_standard(g, "test")
    gn.add_synonym("普萘洛尔", "盐酸普萘洛尔", "test")
    pn.add_standard("阿托伐他汀钙片", "test", generic="阿托伐他汀钙", dosage_form="片剂")
    pn.add_standard("氯化钠注射液", "test", dosage_form="注射液")
    pn.add_standard("尼莫地平片", "test", generic="尼莫地平", dosage_form="片剂")
    pn.add_standard("尼莫地平注射液", "test", generic="尼莫地平", dosage_form="注射液")
    pn.add_standard("阿司匹林肠溶片", "test", generic="阿司匹林", dosage_form="片剂")
    d["trade_name"].add_standard("安定", "test", generic="地西泮")
    return d


def nmpa(approval, zh, en="", trade_zh="", trade_en=""):
    return {"approval_no": approval, "product_zh": zh, "product_en": en, "trade_zh": trade_zh,
            "trade_en": trade_en, "register": "imported chemical (H)"}


def test_nmpa_english_names_and_brands():
    d = small_lexicon()
    counts = build_default.nmpa_names(d, [
        nmpa("H1", "阿托伐他汀钙片", "Atorvastatin Calcium Tablets", "立普妥", "Lipitor"),
        nmpa("H2", "头孢克洛", "Cefaclor"),                               # a substance: the generic's name
        nmpa("H3", "拉莫三嗪片", "Lamotrigine Tablets", "利必通", "Lamictal"),  # a product the lexicon lacks
        nmpa("H4", "尼莫地平片", "Nimodipine Tablets", "尼膜同", "Nimotop"),
        nmpa("H5", "尼莫地平注射液", "Nimodipine Injection", "尼膜同", "Nimotop"),
        nmpa("H6", "阿司匹林肠溶片", "", "拜阿司匹灵", ""),
        nmpa("H7", "阿托伐他汀钙片", "", "拜阿司匹灵", ""),               # one brand, two generics
        nmpa("H8", "乳酸钠溶液", "Sodium Lactate solution", "", "Purasal"),  # no form the rule knows
        nmpa("H9", "氯化钠注射液", "", "", "Fresenius NaCl"),               # English brand, no Chinese one
        nmpa("H10", "注射用盐酸地尔硫\x7f?", "Diltiazem Hydrochloride for Injection"),   # lost characters
        nmpa("H11", "阿托伐他汀钙片", "----", "----", "----"),
    ])
    pn, gn, tn = d["product_name"], d["generic_name"], d["trade_name"]
    assert pn.standard_term("Atorvastatin Calcium Tablets") == "阿托伐他汀钙片"
    assert pn.syn[pn.key("Atorvastatin Calcium Tablets")]["source"] == "NMPA register H1 (nmpa_imported_names.tsv)"
    assert gn.standard_term("cefaclor") == "头孢克洛"
    assert tn.std[tn.key("立普妥")]["product"] == "阿托伐他汀钙片"
    assert tn.std[tn.key("立普妥")]["generic"] == "阿托伐他汀钙"
    assert tn.standard_term("LIPITOR") == "立普妥"                        # keys are case-insensitive
    # the product the lexicon lacked is a standard, linked by the product rule (no generic 拉莫三嗪 here)
    assert pn.std[pn.key("拉莫三嗪片")]["dosage_form"] == "片剂"
    assert pn.standard_term("Lamotrigine Tablets") == "拉莫三嗪片"
    # one brand for tablets and injection of one generic: the generic only
    assert tn.std[tn.key("尼膜同")]["generic"] == "尼莫地平" and not tn.std[tn.key("尼膜同")].get("product")
    assert tn.standard_term("Nimotop") == "尼膜同"
    # one brand for two generics: nobody's
    assert tn.standard_term("拜阿司匹灵") is None and counts["trade_ambiguous"] == 1
    assert pn.standard_term("Sodium Lactate solution") is None and counts["product_unplaced"] == 1
    assert tn.std[tn.key("Fresenius NaCl")]["product"] == "氯化钠注射液"
    assert not [k for k in list(pn.std) + list(pn.syn) if "\x7f" in k or "?" in k]
    assert "----" not in tn.std and "----" not in pn.syn


def test_a_trade_name_that_is_a_drug_name_is_not_taken():
    d = small_lexicon()
    build_default.nmpa_names(d, [nmpa("H1", "阿托伐他汀钙片", "", "对乙酰氨基酚", "")])
    assert d["trade_name"].standard_term("对乙酰氨基酚") is None


def test_the_register_decides_what_its_trade_names_and_brands_are():
    """A secondary source linked 再普乐 (Zyprexa, olanzapine) to linezolid and Zyvox to 再普乐; the register
    links 再普乐 to olanzapine and Zyvox to 斯沃."""
    d = small_lexicon()
    gn, pn, tn = d["generic_name"], d["product_name"], d["trade_name"]
    for g in ("奥氮平", "利奈唑胺"):
        gn.add_standard(g, "test")
    pn.add_standard("奥氮平片", "test", generic="奥氮平", dosage_form="片剂")
    pn.add_standard("利奈唑胺片", "test", generic="利奈唑胺", dosage_form="片剂")
    tn.add_standard("再普乐", "yuanyanyao", generic="利奈唑胺", product="利奈唑胺片")
    tn.add_synonym("Zyvox", "再普乐", "yuanyanyao(brandNameEn)")
    tn.add_standard("立普妥", "seed", generic="阿托伐他汀钙")               # agrees: only the product is filled in
    counts = build_default.nmpa_names(d, [
        nmpa("H1", "奥氮平片", "Olanzapine Tablets", "再普乐", "Zyprexa"),
        nmpa("H2", "利奈唑胺片", "Linezolid Tablets", "斯沃", "Zyvox"),
        nmpa("H3", "阿托伐他汀钙片", "", "立普妥", "Lipitor"),
    ])
    assert tn.std["再普乐"]["generic"] == "奥氮平" and tn.std["再普乐"]["product"] == "奥氮平片"
    assert tn.std["再普乐"]["source"] == "yuanyanyao; links: NMPA register H1 (nmpa_imported_names.tsv)"
    assert tn.standard_term("Zyvox") == "斯沃" and tn.standard_term("Zyprexa") == "再普乐"
    assert counts["trade_relinked"] == 1 and counts["english_brand_replaced"] == 1
    assert tn.std["立普妥"]["product"] == "阿托伐他汀钙片"


def test_a_name_the_register_gives_two_meanings_is_left_alone():
    d = small_lexicon()
    counts = build_default.nmpa_names(d, [
        nmpa("H1", "尼莫地平片", "Nimodipine Tablets"), nmpa("H2", "阿司匹林肠溶片", "Nimodipine Tablets")])
    assert d["product_name"].standard_term("Nimodipine Tablets") is None
    assert counts["english_product_name_ambiguous"] == 1


@pytest.mark.parametrize("term, ok", [
    ("Atorvastatin Calcium Tablets", True), ("Human Albumin", True),
    ("TPF-D", False), ("15AA", False), ("Cefaclor", False),      # one word: a substance, not a product
    ("Vitamin B12 1mg", False),
])
def test_english_product_names(term, ok):
    assert rules.plausible_term("product_name", term) is ok


@pytest.mark.parametrize("term, ok", [
    ("立普妥", True), ("洛赛克MUPS", True), ("优泌林 70/30", True), ("Efexor XR", True),
    ("奥兹林 Cefazolin Sodium Injection 1g Bag Otsuka", False), ("爱丽 英文名：Hialid", False),
    ("----", False), ("XY", False),
])
def test_register_trade_names(term, ok):
    assert rules.register_trade_name(term) is ok


def curated(*rows):
    return [{"dict": dct, "term": t, "standard": s, "kind": k, "note": ""} for dct, t, s, k in rows]


def test_curated_aliases():
    d = small_lexicon()
    counts = build_default.curated_aliases(d, curated(
        ("generic_name", "扑热息痛", "对乙酰氨基酚", "former_name"),
        ("generic_name", "心得安", "普萘洛尔", "former_name"),          # the base is a synonym: its standard
        ("generic_name", "美多心安", "美托洛尔", "common_name"),        # two salts, no base: which one?
        ("generic_name", "度冷丁", "哌替啶", "common_name"),           # the lexicon lacks pethidine
        ("generic_name", "安定", "地西泮", "common_name"),             # already a trade name of diazepam
        ("product_name", "生理盐水", "氯化钠注射液", "common_name"),
        ("generic_name", "ATP", "三磷酸腺苷二钠|对乙酰氨基酚", "abbreviation"),   # first present wins
        ("generic_name", "VC", "对乙酰氨基酚", "abbreviation"),        # two letters: too likely something else
    ))
    gn, pn = d["generic_name"], d["product_name"]
    assert gn.standard_term("扑热息痛") == "对乙酰氨基酚"
    assert gn.syn[gn.key("扑热息痛")]["source"] == "curated:former_name (lexicon/curated/aliases.tsv)"
    assert gn.standard_term("心得安") == "盐酸普萘洛尔"
    assert gn.standard_term("美多心安") is None and gn.standard_term("度冷丁") is None
    assert counts["no_standard"] == 2
    assert "安定" not in gn.syn and counts["known_alike"] == 1
    assert pn.standard_term("生理盐水") == "氯化钠注射液"
    assert gn.standard_term("atp") == "对乙酰氨基酚"
    assert gn.standard_term("VC") is None


def test_curated_salt_resolution():
    d = small_lexicon()
    d["generic_name"].add_standard("盐酸哌替啶", "test")
    build_default.curated_aliases(d, curated(("generic_name", "度冷丁", "哌替啶", "common_name")))
    assert d["generic_name"].standard_term("度冷丁") == "盐酸哌替啶"


def test_curated_kind_is_checked():
    with pytest.raises(ValueError):
        build_default.curated_aliases(small_lexicon(), curated(("generic_name", "扑热息痛", "对乙酰氨基酚", "slang")))


@pytest.mark.parametrize("term, ok", [
    ("安定", True), ("维B1", True), ("ATP", True), ("VB12", True), ("5-FU", True), ("654-2", True),
    ("L-OHP", True), ("VC", False), ("NS", False), ("12", False),
])
def test_plausible_alias(term, ok):
    assert rules.plausible_alias(term) is ok


def read_curated():
    with open(build_default.CURATED, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_the_curated_file_is_well_formed():
    rows = read_curated()
    assert len(rows) >= 300
    seen = {}
    for r in rows:
        assert set(r) == {"dict", "term", "standard", "kind", "note"}, r
        assert r["dict"] in ("generic_name", "product_name") and r["kind"] in build_default.CURATED_KINDS, r
        assert r["term"].strip() == r["term"] and r["standard"] and r["note"], r
        key = (r["dict"], r["term"].lower())
        assert seen.setdefault(key, r["standard"]) == r["standard"], f"{r['term']}: two standards"


def read_default():
    rows = []
    for f in sorted(DEFAULT.glob("*.tsv")):
        with open(f, encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows


def test_the_built_lexicon_holds_the_aliases():
    rows = {(r["dict"], r["term"]): r for r in read_default()}
    for dct, term, standard in [
        ("generic_name", "扑热息痛", "对乙酰氨基酚"), ("generic_name", "速尿", None),  # 速尿: a trade name already
        ("generic_name", "心得安", "盐酸普萘洛尔"), ("generic_name", "维C", "维生素C"),
        ("generic_name", "VB1", "维生素B1"), ("generic_name", "ATP", "三磷酸腺苷二钠"),
        ("product_name", "生理盐水", "氯化钠注射液"), ("product_name", "糖水", "葡萄糖注射液"),
        ("product_name", "Atorvastatin Calcium Tablets", "阿托伐他汀钙片"), ("trade_name", "Lipitor", "立普妥"),
        ("generic_name", "Cefaclor", "头孢克洛"),
    ]:
        if standard is None:
            assert (dct, term) not in rows
        else:
            assert rows[(dct, term)]["standard"] == standard, term
    assert rows[("trade_name", "速尿")]["generic"] == "呋塞米"


def test_no_term_holds_lost_or_control_characters():
    for r in read_default():
        assert not any(ch < " " or ch in "\x7f\ufffd" for ch in r["term"]), r
