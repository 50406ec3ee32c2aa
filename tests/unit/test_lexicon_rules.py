"""The rules that decide which guessed rows of the seed data go into the bundled lexicon, and the
invariants of the built files (what load-dict would otherwise reject)."""
import csv
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lexicon"))
import rules  # noqa: E402

DEFAULT = ROOT / "lexicon" / "default"


@pytest.mark.parametrize("generic, expected", [
    ("盐酸左氧氟沙星", ("盐酸", "左氧氟沙星")),
    ("甲磺酸伊马替尼", ("甲磺酸", "伊马替尼")),
    ("阿托伐他汀钙", ("钙", "阿托伐他汀")),
    ("阿莫西林", None),
    ("盐酸", None),                  # nothing left: not a salt of anything
    ("葡萄糖酸钙", None),            # …酸钙 is the salt itself, not base + 钙
    ("硝酸甘油", None),              # nitroglycerin is not glycerol
    ("硝酸异山梨酯", None),
    ("因卡膦酸二钠", None),          # no base 因卡膦酸二
    ("硫酸钾镁", None),              # a base must not end with a metal
])
def test_salt_and_base(generic, expected):
    assert rules.salt_base(generic) == expected


@pytest.mark.parametrize("name, short", [
    ("江苏恒瑞医药股份有限公司", "恒瑞医药"),
    ("辉瑞制药有限公司", "辉瑞制药"),
    ("上海市信谊药厂有限公司", "信谊药厂"),
    ("德国泰德制药厂", None),         # nothing to strip: no short name is invented
    ("青海制药有限公司", None),       # the region is the name: 制药 alone would name every maker
    ("海南制药厂有限公司", None),
])
def test_manufacturer_short_name(name, short):
    assert rules.manufacturer_short_name(name) == short


def test_notes_of_country_and_repacker_are_stripped():
    assert rules.strip_notes("Pfizer Italia S.r.l.（意大利）") == "Pfizer Italia S.r.l."
    assert rules.strip_notes("Glaxo Wellcome S.A.(西班牙)(葛兰素史克分装)") == "Glaxo Wellcome S.A."
    assert rules.strip_notes("辉瑞制药有限公司") == "辉瑞制药有限公司"
    # nested brackets are not guessed at: the string stays as it is and is not kept as a synonym
    raw = "LES LABORATOIRES SERVIER INDUSTRIE(法国)(施维雅(天津)制药有限公司分装)"
    assert rules.strip_notes(raw) == raw


@pytest.mark.parametrize("dictionary, term, ok", [
    ("product_name", "阿莫西林胶囊", True),
    ("product_name", "21", False),            # pieces cut out of 复方氨基酸注射液(18AA)-like names
    ("product_name", "TPF", False),
    ("product_name", "18注射液", False),
    ("product_name", "维生素B12片", True),
    ("generic_name", "Acarbose", True),
    ("generic_name", "D300", False),
    ("generic_name", "4:1", False),
    ("trade_name", "PTU", True),
    ("manufacturer", "－－－－", False),       # placeholders of the registration lists
    ("manufacturer", "NULL", False),
    ("manufacturer", "UCB Pharma S.A.", True),
    ("manufacturer", "意大利", False),         # a country: where a drug comes from, not who makes it
    ("route", "iv", True),                    # abbreviations are what routes are
])
def test_plausible_term(dictionary, term, ok):
    assert rules.plausible_term(dictionary, term) is ok


def test_a_former_name_note_is_stripped():
    assert rules.strip_notes("重庆华邦制药有限公司（原：重庆华邦制药股份有限公司）") == "重庆华邦制药有限公司"


@pytest.mark.parametrize("name, spellings", [
    ("北京诺华制药有限公司", ["诺华制药(北京)有限公司", "诺华(北京)制药有限公司"]),
    ("上海勃林格殷格翰药业有限公司", ["勃林格殷格翰药业(上海)有限公司", "勃林格殷格翰(上海)药业有限公司"]),
    ("江苏恒瑞医药股份有限公司", ["恒瑞医药(江苏)股份有限公司", "恒瑞(江苏)医药股份有限公司"]),
    ("上海市信谊药厂有限公司", []),       # 上海市: the region is part of the registered name
    ("辉瑞制药有限公司", []),             # no region first
    ("北京制药厂", []),                   # no corporate suffix
    ("青海制药有限公司", []),             # the region is the name: 制药(青海)有限公司 names no company
    ("昆明制药集团股份有限公司", []),
])
def test_region_in_brackets(name, spellings):
    assert rules.region_in_brackets(name) == spellings


def test_region_in_brackets_takes_prefecture_level_cities():
    assert rules.region_in_brackets("杭州默沙东制药有限公司") == ["默沙东制药(杭州)有限公司", "默沙东(杭州)制药有限公司"]


@pytest.mark.parametrize("name, forms", [
    # the legal form goes; the region goes too when an industry word and a core of two characters stay
    ("江苏恒瑞医药股份有限公司", [("江苏恒瑞医药股份", "short_form"), ("江苏恒瑞医药", "short_form"),
                                ("恒瑞医药", "short_form_without_region")]),
    ("上海禾丰制药有限公司", [("上海禾丰制药", "short_form"), ("禾丰制药", "short_form_without_region")]),
    ("齐鲁制药有限公司", [("齐鲁制药", "short_form")]),
    ("国药集团宜宾制药有限责任公司", [("国药集团宜宾制药", "short_form")]),    # 宜宾 inside the name stays
    ("扬子江药业集团有限公司", [("扬子江药业集团", "short_form"), ("扬子江药业", "short_form")]),
    ("华北制药(集团)有限责任公司", [("华北制药集团", "short_form"), ("华北制药", "short_form")]),
    # a region in brackets: the form names the company without its region
    ("诺华制药(北京)有限公司", [("诺华制药", "short_form_without_region")]),
    ("大冢(浙江)制药有限公司", [("大冢制药", "short_form_without_region")]),
    # 省/市 after the region may be left out; city after province, country first
    ("上海市信谊药厂有限公司", [("上海市信谊药厂", "short_form"), ("上海信谊药厂", "short_form"),
                                ("信谊药厂", "short_form_without_region")]),
    ("吉林省通化华夏药业有限责任公司", [("吉林省通化华夏药业", "short_form"), ("吉林通化华夏药业", "short_form"),
                                      ("通化华夏药业", "short_form_without_region"),
                                      ("华夏药业", "short_form_without_region")]),
    ("日本参天制药株式会社", [("日本参天制药", "short_form"), ("参天制药", "short_form_without_region")]),
    # a factory's 厂 and 总厂 go after 制药; 药厂 stays a word; a numbered factory keeps its number
    ("广州南新制药厂", [("南新制药厂", "short_form_without_region"), ("广州南新制药", "short_form"),
                        ("南新制药", "short_form_without_region")]),
    ("汕头金石制药总厂有限公司", [("汕头金石制药总厂", "short_form"), ("汕头金石制药", "short_form"),
                                  ("金石制药", "short_form_without_region")]),
    ("上海第一制药厂", [("上海第一制药", "short_form")]),     # not 第一制药: many cities had one
    ("合肥制药二厂", []),
    # what names no one company is not a short form
    ("上海医药集团股份有限公司", []),                          # 上海医药: a region and an industry word
    ("北京制药厂", []),
    ("礼来公司", []),                                          # two characters
    # branches, plants, packers, notes: the short form would name another company
    ("拜耳医药保健有限公司广州分公司", []),
    ("浙江医药股份有限公司新昌制药厂", []),
    ("重庆华邦制药有限公司（原：重庆华邦制药股份有限公司）", []),
    ("杭州默沙东制药有限公司分装", []),
    ("MEDOCHEMIE LTD 高特制药有限公司", []),
    ("德国泰德制药", []),                                      # no legal form: nothing to take off
])
def test_manufacturer_short_forms(name, forms):
    assert rules.manufacturer_short_forms(name) == forms


@pytest.mark.parametrize("form, ok", [
    ("恒瑞医药", True), ("辰欣药业", True), ("上海第一制药", True), ("葛兰素史克", True),
    ("第二制药", False), ("上海医药", False), ("北京制药", False), ("江苏药业", False), ("礼来", False),
    ("中国药业", False), ("广州制药", False),
])
def test_distinctive_short_form(form, ok):
    assert rules.distinctive_short_form(form) is ok


@pytest.mark.parametrize("name, variants", [
    ("重庆药友制药有限责任公司", ["重庆药友制药股份有限公司", "重庆药友制药有限公司", "重庆药友制药公司"]),
    ("吉林省东方制药有限公司", ["吉林省东方制药股份有限公司", "吉林省东方制药有限责任公司", "吉林省东方制药公司",
                                "吉林东方制药股份有限公司", "吉林东方制药有限责任公司", "吉林东方制药有限公司",
                                "吉林东方制药公司"]),
    ("扬子江药业集团有限公司", []),          # a group and its companies are not one enterprise
    ("珠海联邦制药股份有限公司中山分公司", []),
    ("上海医药有限公司", []),                # no distinctive core
    ("德国泰德制药厂", []),                  # no legal form to vary
])
def test_legal_form_variants(name, variants):
    assert rules.legal_form_variants(name) == variants


@pytest.mark.parametrize("name, short", [
    ("Abbott Laboratories Ltd.", "Abbott Laboratories"),
    ("Kyowa Hakko Kirin Co.,Ltd", "Kyowa Hakko Kirin"),
    ("Eli Lilly Nederland B.V.", "Eli Lilly Nederland"),
    ("Boehringer Ingelheim Pharma GmbH & Co. KG", "Boehringer Ingelheim Pharma"),
    ("NITTO DENKO CORPORATION", "NITTO DENKO"),
    ("ALK-ABELLO A/S", "ALK-ABELLO"),
    ("AbbottLaboratoriesGmbH", "AbbottLaboratories"),   # a source that lost its spaces: cut at the capital
    ("Pfizer Inc.", "Pfizer"),                          # one word of six letters
    ("BAYER AG", None),                                 # one short word: too little to name one company
    ("Pharma AG", None),                                # generic words only
    ("Merck KGaA", None),
    ("Eli Lilly and Company", None),
    ("Biotag", None),                                   # no legal form: ag is part of the word
    ("ABBOTTLABORATORIESB.V.", None),                   # capitals glued: where the form starts is a guess
    ("Kowa Company,Ltd, Nagoya Factory", None),         # a plant
    ("Merck Sharp & Dohme (Australia) Pty Ltd", None),  # brackets are not guessed at
    ("】H.Lundbeck A/S", None),
])
def test_latin_short_form(name, short):
    assert rules.latin_short_form(name) == short


@pytest.mark.parametrize("product, shape", [
    ("阿托伐他汀钙片", ("阿托伐他汀钙", "片剂")),
    ("奥美拉唑镁肠溶片", ("奥美拉唑镁", "肠溶片")),
    ("奥美拉唑肠溶胶囊", ("奥美拉唑", "肠溶胶囊")),
    ("注射用盐酸伊立替康", ("盐酸伊立替康", "注射用无菌粉末")),
    ("布洛芬", None),
])
def test_product_form(product, shape):
    assert rules.product_form(product) == shape


def test_one_dosage_form_one_standard():
    def standard(t):
        return t in {"胶囊剂", "颗粒剂", "滴眼剂", "注射用无菌粉末", "片剂"}
    assert rules.same_form("胶囊", standard) == "胶囊剂"
    assert rules.same_form("粉针剂", standard) == "注射用无菌粉末"
    assert rules.same_form("片剂", standard) is None


def lexicon_key():
    """Keys as the build computes them (plpython/preprocess.py with OpenCC's traditional→simplified map)."""
    import build_default
    import preprocess
    t2s = build_default.t2s_map()
    return lambda term: preprocess.normalize_key(term, t2s, frozenset(build_default.IRRELEVANT))


def read_default():
    rows = []
    for f in sorted(DEFAULT.glob("*.tsv")):
        with open(f, encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows


def test_the_built_files_satisfy_load_dict_rules():
    rows = read_default()
    assert rows, "lexicon/default is empty: run lexicon/build_default.py"
    standards = defaultdict(set)
    for r in rows:
        if not r["standard"]:
            standards[r["dict"]].add(r["term"])
    for r in rows:
        assert r["term"].strip() and "\t" not in r["term"]
        if r["dict"] not in ("strength_unit", "package_unit", "irrelevant_char", "insurance_class",
                             "formulary_marker"):   # markers count only in brackets or as symbols
            assert len(r["term"]) >= 2, r       # one character would match inside other words
        if r["standard"]:
            assert r["standard"] in standards[r["dict"]], r
            assert not (r["generic"] or r["product"] or r["dosage_form"]), r
        if r["generic"]:
            assert r["generic"] in standards["generic_name"], r
        if r["product"]:
            assert r["product"] in standards["product_name"], r
        if r["dosage_form"]:
            assert r["dosage_form"] in standards["dosage_form"], r


def test_kept_guesses_name_the_rule_that_kept_them():
    for r in read_default():
        if r["source"].startswith("derived:"):
            assert "lexicon/rules.py" in r["source"] or "product-name" in r["source"] or \
                "strip_form" in r["source"], r
        if r["source"].startswith("rule:"):
            assert "lexicon/rules.py" in r["source"], r


def test_manufacturer_forms_are_not_names_of_other_dictionaries():
    """A short form or variant that is also a drug, form or route key would turn a drug into a company
    (云南白药 is a product and the short form of 云南白药集团股份有限公司): such forms are not kept."""
    rows = read_default()
    key = lexicon_key()
    others = {key(r["term"]) for r in rows if r["dict"] != "manufacturer"}
    forms = [r for r in rows if r["dict"] == "manufacturer" and r["source"].startswith("rule:")]
    assert forms
    assert not [r["term"] for r in forms if key(r["term"]) in others]
    assert "云南白药" not in {r["term"] for r in rows if r["dict"] == "manufacturer"}


def test_a_short_form_two_companies_would_share_is_nobodys():
    rows = {(r["dict"], r["term"]): r for r in read_default()}
    # 大冢制药: 浙江大冢, 四川大冢, 广东大冢 and 中国大冢制药有限公司 are four companies
    assert ("manufacturer", "大冢制药") not in rows
    # 辉瑞制药 is 辉瑞制药有限公司: the others with that core only give it by dropping a region
    assert rows[("manufacturer", "辉瑞制药")]["standard"] == "辉瑞制药有限公司"
    assert rows[("manufacturer", "恒瑞医药")]["standard"] == "江苏恒瑞医药股份有限公司"
    assert rows[("manufacturer", "江苏恒瑞医药")]["standard"] == "江苏恒瑞医药股份有限公司"


def test_the_build_is_reproducible(tmp_path):
    shared = ROOT.parent / "shared" / "data" / "lexicon"
    if not shared.is_dir():
        pytest.skip("../shared/data/lexicon is not beside the repository")
    import build_default
    build_default.write(build_default.build(shared), tmp_path)
    for f in sorted(DEFAULT.glob("*.tsv")):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name
