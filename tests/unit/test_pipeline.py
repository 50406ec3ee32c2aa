"""What a hospital string becomes (plpython/pipeline.py, step 6 and the JSON contract), without a database:
the mini lexicon (tests/data/mini_lexicon.tsv) and a fuzzy matcher given per test."""
import pytest

import minilex
import pipeline

LEX = minilex.load()


def no_fuzzy(fragment):
    return []


def parse(raw, fuzzy=no_fuzzy, lex=LEX):
    return pipeline.parse(raw, lex, fuzzy, {})


def fields(doc):
    return {f: doc[f] for f in pipeline.FIELDS if doc[f] is not None}


def segments(doc):
    return [(s["text"], s["match"], s["attribute"]) for s in doc["segments"]]


def test_a_trade_name_brings_its_generic_product_and_form_and_a_short_maker_name_its_standard():
    doc = parse("立普妥 20mg*7片 辉瑞")
    assert fields(doc) == {"generic_name": "阿托伐他汀钙", "trade_name": "立普妥", "product_name": "阿托伐他汀钙片",
                           "dosage_form": "片剂", "manufacturer": "辉瑞制药有限公司"}
    assert (doc["strength"], doc["package"], doc["status"]) == ("20mg", "7片", "exact")
    assert doc["evidence"] == {"generic_name": "link", "trade_name": "exact", "product_name": "link",
                               "dosage_form": "link", "manufacturer": "synonym"}
    assert segments(doc) == [("立普妥", "exact", "trade_name"), ("20mg", "spec", "strength_unit"),
                             ("7片", "package", "package_unit"), ("辉瑞", "exact", "manufacturer")]


def test_the_first_strength_counts_and_a_full_maker_name_is_an_exact_match():
    doc = parse("尼莫地平注射液 50ml:10mg 山东齐鲁制药有限公司")
    assert fields(doc) == {"generic_name": "尼莫地平", "product_name": "尼莫地平注射液", "dosage_form": "注射液",
                           "manufacturer": "山东齐鲁制药有限公司"}
    assert doc["strength"] == "50ml"
    assert segments(doc)[1] == ("50ml:10mg", "spec", "strength_unit")


def test_a_concentration_glued_to_the_name_is_not_the_strength_when_a_spec_follows():
    doc = parse("5%葡萄糖注射液 500ml")
    assert doc["strength"] == "500ml"
    assert fields(doc) == {"generic_name": "葡萄糖", "product_name": "葡萄糖注射液", "dosage_form": "注射液"}
    assert doc["status"] == "inferred"


def test_a_generic_name_and_a_form_after_it_compose_a_product_the_lexicon_lacks():
    doc = parse("阿莫西林注射液")
    assert fields(doc) == {"generic_name": "阿莫西林", "product_name": "阿莫西林注射液", "dosage_form": "注射液"}
    assert doc["evidence"] == {"generic_name": "exact", "product_name": "inferred", "dosage_form": "inferred"}
    assert segments(doc) == [("阿莫西林注射液", "inferred", "product_name")]


def test_a_trade_name_and_a_form_after_it_name_that_form_of_its_generic():
    doc = parse("左克注射液")
    assert fields(doc) == {"generic_name": "盐酸左氧氟沙星", "trade_name": "左克", "product_name": "盐酸左氧氟沙星注射液",
                           "dosage_form": "注射液"}
    assert segments(doc) == [("左克注射液", "inferred", "product_name"), ("左克", "exact", "trade_name")]


def test_a_trade_name_in_brackets_inside_a_product_name_is_its_own_segment():
    doc = parse("辛伐他汀(忆辛)片")
    assert fields(doc) == {"generic_name": "辛伐他汀", "trade_name": "忆辛", "product_name": "辛伐他汀片",
                           "dosage_form": "片剂"}
    assert segments(doc) == [("辛伐他汀(忆辛)片", "exact", "product_name"), ("忆辛", "exact", "trade_name")]


def test_a_trade_name_beside_another_drug_the_text_names_brings_none_of_its_links():
    # 诺和龙 is repaglinide's trade name in the lexicon; written after an unknown drug (a maker's short name
    # in a HIS catalogue, as 京新 or 民生 are) it must not turn that drug into repaglinide
    doc = parse("地达西尼胶囊 2.5mg*14粒 诺和龙")
    assert (doc["generic_name"], doc["product_name"]) == ("地达西尼", "地达西尼胶囊")


def test_a_trade_name_beside_its_own_drug_mistyped_brings_the_standard():
    doc = parse("瑞格列乃片(诺和龙)")
    assert (doc["generic_name"], doc["product_name"]) == ("瑞格列奈", "瑞格列奈片")


@pytest.mark.parametrize("raw, generic, form", [
    ("注射用伊立替康", "伊立替康", "注射用无菌粉末"),    # a known generic with a form: its product, no fuzzy search
    ("瑞维鲁胺片", "瑞维鲁胺", "片剂"),                  # an unknown stem with a form suffix: inferred as written
])
def test_a_product_shaped_fragment_is_inferred(raw, generic, form):
    doc = parse(raw)
    assert fields(doc) == {"generic_name": generic, "product_name": raw, "dosage_form": form}
    assert doc["status"] == "inferred"


def test_an_accepted_fuzzy_match_fills_the_fields_as_fuzzy():
    lex = minilex.load()
    lex.readings = lambda ch: {"临": ("lin",), "林": ("lin",)}.get(ch, ())

    def fuzzy(fragment):
        return [{"term": "阿莫西林胶囊", "standard": "阿莫西林胶囊", "attribute": "product_name",
                 "generic": "阿莫西林", "m": 0.8, "n": 0.8, "s": 0.8}]
    doc = parse("阿莫西临胶囊 0.25g", fuzzy, lex)
    assert fields(doc) == {"generic_name": "阿莫西林", "product_name": "阿莫西林胶囊", "dosage_form": "胶囊剂"}
    assert doc["status"] == "fuzzy"
    seg = doc["segments"][0]
    assert (seg["match"], seg["accepted"], seg["ambiguous"], seg["near_miss"]) == ("fuzzy", True, False, False)


def test_a_refused_fuzzy_match_leaves_the_fragment_to_its_shape():
    def fuzzy(fragment):
        return [{"term": "阿莫西林胶囊", "standard": "阿莫西林胶囊", "attribute": "product_name",
                 "generic": "阿莫西林", "m": 0.8, "n": 0.8, "s": 0.8}]
    doc = parse("阿莫西临胶囊", fuzzy)          # without readings 临 is no homophone of 林: not a typo
    assert fields(doc) == {"generic_name": "阿莫西临", "product_name": "阿莫西临胶囊", "dosage_form": "胶囊剂"}
    assert doc["segments"][0]["near_miss"] is True


def test_a_company_no_manufacturer_could_be_is_inferred_without_a_fuzzy_search():
    asked = []
    doc = parse("某某某生物制药有限公司", lambda f: asked.append(f) or [])
    assert fields(doc) == {"manufacturer": "某某某生物制药有限公司"}
    assert doc["evidence"] == {"manufacturer": "inferred"} and doc["status"] == "none"
    assert asked == []


def test_a_latin_company_name_cut_at_its_spaces_is_one_manufacturer():
    doc = parse("立普妥 Fleet laboratories Limited")
    assert doc["manufacturer"] == "Fleet laboratories Limited"          # as written, not the lower-case key
    assert segments(doc)[-1] == ("Fleet laboratories Limited", "inferred", "manufacturer")


def test_a_packers_note_names_the_maker_only_when_the_string_names_no_other():
    def fuzzy(fragment):
        return [{"term": "辉瑞制药有限公司", "standard": "辉瑞制药有限公司", "attribute": "manufacturer",
                 "generic": None, "m": 0.9, "n": 0.9, "s": 0.9}] if "辉瑞" in fragment else []
    doc = parse("立普妥 20mg*7片 德国某某制药有限公司(辉瑞制药公司分装)", fuzzy)
    assert doc["manufacturer"] == "德国某某制药有限公司"       # the packer's fuzzy match was the maker
    assert segments(doc)[-1] == ("辉瑞制药公司分装", "fuzzy", "manufacturer")
    alone = parse("立普妥 20mg*7片 辉瑞制药公司分装", fuzzy)
    assert alone["manufacturer"] == "辉瑞制药有限公司" and alone["evidence"]["manufacturer"] == "fuzzy"


def test_a_legal_form_or_an_industry_word_alone_is_no_maker():
    # what is left when a glued spec (5mlAlcon) or a catalogue code cuts a name short
    for raw in ("立普妥 20mg*7片 5mlAlcon Laboratories(UK) Ltd.", "立普妥 20mg*7片 (英国)制药有限公司"):
        assert parse(raw)["manufacturer"] is None, raw
    assert parse("立普妥 20mg*7片 天津药业")["manufacturer"] == "天津药业"     # the region is the name


def test_a_space_before_a_region_in_brackets_does_not_cut_a_company_name():
    doc = parse("立普妥 20mg*7片 某某药业 （上海）有限公司")
    assert doc["manufacturer"] == "某某药业 (上海)有限公司"
    assert segments(doc)[-1] == ("某某药业 （上海）有限公司", "inferred", "manufacturer")


def test_what_is_left_of_a_string_without_a_drug_name_is_its_product_name():
    doc = parse("重组人凝血酶 500IU")
    assert fields(doc) == {"product_name": "重组人凝血酶"}
    assert doc["strength"] == "500iu"


def test_a_place_is_no_name():
    doc = parse("江苏")
    assert fields(doc) == {} and doc["status"] == "none"
    assert segments(doc) == [("江苏", "none", None)]


@pytest.mark.parametrize("raw", ["阿莫西林胶囊 20101116", "阿莫西林胶囊 70/30", "阿莫西林胶囊 0-1"])
def test_a_number_left_beside_a_name_is_no_name_and_costs_no_fuzzy_search(raw):
    asked = []
    doc = parse(raw, lambda f: asked.append(f) or [])
    assert asked == [] and doc["segments"][-1]["match"] == "none"


def test_the_contract_has_every_key_and_none_for_null():
    assert pipeline.parse(None, LEX, no_fuzzy, {}) is None
    doc = parse("阿托伐他汀钙片 10mg")
    assert tuple(doc) == pipeline.KEYS
    assert doc["input"] == "阿托伐他汀钙片 10mg" and doc["normalized"] == "阿托伐他汀钙片 10mg"
    assert doc["markers"] == [] and doc["insurance_class"] is None


def test_the_fuzzy_budget_leaves_the_later_fragments_unmatched():
    doc = pipeline.parse("甲乙丙丁片 戊己庚辛片", LEX, lambda f: [], {"fuzzy_budget": 1})
    assert [s.get("skipped") for s in doc["segments"]][-1] == "fuzzy_budget"


def test_ranks_keep_their_order():
    r = pipeline.Rank
    assert r.EXACT < r.COMPOSED < r.LINKED < r.FUZZY < r.FUZZY_LINKED < r.INFERRED < r.LINKED_FORM < r.UNSET


HERBS = [   # a few herbs as lexicon/build_default.py writes them (lexicon/curated/tcm_herbs.tsv)
    ("dosage_form", "中药饮片", "", "", ""), ("dosage_form", "颗粒", "颗粒剂", "", ""),
    ("generic_name", "白芍", "", "", ""), ("product_name", "白芍", "", "白芍", "中药饮片"),
    ("product_name", "炒白芍", "", "白芍", "中药饮片"),
    ("generic_name", "紫菀", "", "", ""), ("product_name", "蜜紫菀", "", "紫菀", "中药饮片"),
    ("generic_name", "天麻", "", "", ""), ("generic_name", "钩藤", "", "", ""),
]


def mini_lexicon_with(folder, rows):
    """The mini lexicon with more (dict, term, standard, generic, dosage_form) rows."""
    path = folder / "lexicon.tsv"
    path.write_text(minilex.DATA.joinpath("mini_lexicon.tsv").read_text(encoding="utf-8")
                    + "".join("\t".join((d, t, s, g, "", f, "tests")) + "\n" for d, t, s, g, f in rows),
                    encoding="utf-8")
    return minilex.load(path)


@pytest.fixture(scope="module")
def herb_lex(tmp_path_factory):
    return mini_lexicon_with(tmp_path_factory.mktemp("lex"), HERBS)


def test_a_decoction_piece_and_a_form_after_it_compose_that_form_of_its_herb(herb_lex):
    doc = parse("炒白芍颗粒 1g/10g/袋", lex=herb_lex)
    assert fields(doc) == {"generic_name": "白芍", "product_name": "炒白芍颗粒", "dosage_form": "颗粒剂"}
    assert segments(doc)[0] == ("炒白芍颗粒", "inferred", "product_name")


def test_two_generic_names_glued_are_one_name_the_lexicon_lacks(herb_lex):
    doc = parse("天麻钩藤颗粒 10g*9袋", lex=herb_lex)
    assert fields(doc) == {"generic_name": "天麻钩藤", "product_name": "天麻钩藤颗粒", "dosage_form": "颗粒剂"}
    assert doc["status"] == "inferred"
    doc = parse("硝苯地平布洛芬片")
    assert (doc["generic_name"], doc["product_name"]) == ("硝苯地平布洛芬", "硝苯地平布洛芬片")


def test_an_unknown_name_before_an_unknown_bracket_keeps_the_form_after_it():
    doc = parse("阿莫西林舒巴坦(新名)胶囊 0.5g")
    assert fields(doc) == {"generic_name": "阿莫西林舒巴坦", "product_name": "阿莫西林舒巴坦胶囊", "dosage_form": "胶囊剂",
                           "trade_name": "新名"}
    assert segments(doc)[:2] == [("阿莫西林舒巴坦(新名)胶囊", "inferred", "generic_name"),
                                 ("新名", "inferred", "trade_name")]


def test_a_fuzzy_match_without_the_written_form_leaves_the_form_to_the_text(herb_lex):
    herb_lex.readings = lambda ch: {"苑": ("yuan",), "菀": ("wan", "yuan")}.get(ch, ())

    def fuzzy(fragment):
        return [{"term": "蜜紫菀", "standard": "蜜紫菀", "attribute": "product_name", "generic": "紫菀",
                 "m": 0.8, "n": 0.8, "s": 0.8}]
    doc = parse("蜜紫苑颗粒 2g/袋", fuzzy, herb_lex)
    assert (doc["generic_name"], doc["dosage_form"], doc["status"]) == ("紫菀", "颗粒剂", "fuzzy")


@pytest.mark.parametrize("raw, trade", [
    ("阿莫西林胶囊(新莫林) 0.25g*24粒", "新莫林"),          # right after the name
    ("(新莫林)阿莫西林胶囊 0.25g*24粒", "新莫林"),          # right before it
    ("阿莫西林胶囊 (新莫林) 0.25g*24粒", "新莫林"),         # one space apart
])
def test_an_unknown_name_in_brackets_beside_the_drug_is_its_trade_name_inferred(raw, trade):
    doc = parse(raw)
    assert (doc["trade_name"], doc["evidence"]["trade_name"]) == (trade, "inferred")
    assert doc["product_name"] == "阿莫西林胶囊"


@pytest.mark.parametrize("raw", [
    "阿莫西林胶囊(亚邦软袋) 0.25g*24粒",                   # a note on the pack
    "阿莫西林胶囊(美满霉素) 0.25g*24粒",                   # a chemical's name: a former generic
    "阿莫西林胶囊(以阿莫西林计) 0.25g*24粒",               # a spec note
    "阿莫西林胶囊(美国辉克) 0.25g*24粒",                   # a name starting with a place: a maker
    "阿莫西林胶囊(同路) 0.25g*24粒 安徽同路生物制药有限公司",   # the maker's short name, written again
    "阿莫西林胶囊 0.25g*24粒(新莫林)",                     # not beside the drug's name
])
def test_a_bracketed_note_or_maker_is_no_trade_name(raw):
    assert parse(raw)["trade_name"] is None


def test_a_trade_names_product_of_another_form_gives_way_to_the_form_written():
    # the lexicon links 立普妥 to the tablets; the text writes capsules of the same drug
    doc = parse("阿托伐他汀钙胶囊(立普妥) 20mg*7粒")
    assert (doc["generic_name"], doc["product_name"], doc["dosage_form"]) == ("阿托伐他汀钙", "阿托伐他汀钙胶囊", "胶囊剂")
    doc = parse("阿托伐他汀钙(立普妥) 20mg*7片")              # no form written: the link stands
    assert (doc["product_name"], doc["dosage_form"]) == ("阿托伐他汀钙片", "片剂")


def test_what_comes_with_the_drug_is_not_the_drug():
    doc = parse("注射用阿莫西林 0.5g×1支(附2ml阿托伐他汀钙片)")
    assert (doc["generic_name"], doc["product_name"]) == ("阿莫西林", "注射用阿莫西林")
    seg = next(s for s in doc["segments"] if s["text"] == "阿托伐他汀钙片")
    assert (seg["match"], seg["attribute"], seg["accessory"]) == ("exact", "product_name", True)


VARIANTS = [   # names with a variant's letters, as the bundled lexicon writes them
    ("generic_name", "维生素B6", "", "", ""), ("product_name", "维生素B6片", "", "维生素B6", "片剂"),
    ("generic_name", "维生素K1", "", "", ""),
    ("trade_name", "诺和灵 R", "", "", ""),
]


@pytest.fixture(scope="module")
def variant_lex(tmp_path_factory):
    return mini_lexicon_with(tmp_path_factory.mktemp("lex"), VARIANTS)


@pytest.mark.parametrize("raw", ["维生素B6片", "维生素 B6 片", "维生素B6 片", "维生素 B6片"])
def test_a_name_and_its_form_written_apart_are_the_product_written_together(variant_lex, raw):
    doc = parse(raw + " 10mg*100片", lex=variant_lex)
    assert fields(doc) == {"generic_name": "维生素B6", "product_name": "维生素B6片", "dosage_form": "片剂"}
    assert doc["status"] == "exact"


@pytest.mark.parametrize("raw, product, generic, form", [
    ("维生素 K1 注射液", "维生素k1注射液", "维生素K1", "注射液"),
    ("阿莫西林 注射液", "阿莫西林注射液", "阿莫西林", "注射液"),
    ("左克 注射液", "盐酸左氧氟沙星注射液", "盐酸左氧氟沙星", "注射液"),   # not the tablets 左克 links to
])
def test_a_form_one_space_after_a_name_composes_its_product(variant_lex, raw, product, generic, form):
    doc = parse(raw, lex=variant_lex)
    assert (doc["product_name"], doc["generic_name"], doc["dosage_form"]) == (product, generic, form)


def test_a_variant_mark_the_lexicon_spaces_from_the_name_is_found_glued(variant_lex):
    doc = parse("诺和灵R笔芯 300u:3ml", lex=variant_lex)
    assert doc["trade_name"] == "诺和灵 R"
    assert segments(doc)[0] == ("诺和灵R", "exact", "trade_name")


def test_a_variant_mark_after_the_form_is_the_products_and_the_stem_still_the_generics():
    doc = parse("硝苯地平控释片II 30mg*7片")
    assert fields(doc) == {"generic_name": "硝苯地平", "product_name": "硝苯地平控释片II", "dosage_form": "控释片"}
    assert doc["status"] == "inferred"


def test_a_decoction_piece_is_weighed_and_a_name_counted_in_its_suffix_is_that_form(tmp_path):
    # 黄芩片 as the bundled lexicon has it: the herb's sliced piece (Chinese Pharmacopoeia 2020, vol. I)
    herb_lex = mini_lexicon_with(tmp_path, [("dosage_form", "中药饮片", "", "", ""), ("generic_name", "黄芩", "", "", ""),
                                            ("product_name", "黄芩片", "", "黄芩", "中药饮片")])
    doc = parse("黄芩片 1000mg/g", lex=herb_lex)
    assert (doc["product_name"], doc["generic_name"], doc["dosage_form"]) == ("黄芩片", "黄芩", "中药饮片")
    doc = parse("黄芩片 0.5g*24片", lex=herb_lex)
    assert (doc["product_name"], doc["generic_name"], doc["dosage_form"]) == ("黄芩片", "黄芩", "片剂")
    assert doc["evidence"]["dosage_form"] == "inferred"


@pytest.mark.parametrize("raw, product", [
    ("维生素B1注射液 2ml:100mg", "维生素B1注射液"),      # an inferred name keeps the case it is written in
    ("维生素b1注射液 2ml:100mg", "维生素b1注射液"),
    ("人凝血因子Ⅸ注射液 200IU", "人凝血因子IX注射液"),   # a Roman numeral character is its capital letters
])
def test_an_inferred_name_is_reported_as_written_not_as_its_key(raw, product):
    assert parse(raw)["product_name"] == product


@pytest.mark.parametrize("note", [
    "预充式", "附储雾罐", "单剂量",             # the pack or the device
    "小剂量", "短效", "高渗", "十毫升", "万单位",  # a dose, a strength or a concentration in words
    "橙味", "猪源", "重组", "婴幼儿",           # a flavour, a source, who it is for
    "过评", "仿制", "冷藏", "急救", "门诊", "赠药",  # how it is bought, kept or handed out
    "儿童", "成人", "集采中选", "国谈", "医保", "毒麻",  # notes in words whose characters trade names use too
    "白色", "黄绿", "薄膜衣红", "马血清", "基因工程", "夜片", "八十万",
    "四价", "汉逊酵母", "鸡胚细胞", "冻干", "皮试", "限二线",   # valency, expression system, form, use
    "舌下", "缓控释", "过一致性", "进口药", "原研进口", "眼科", "淡黄",
])
def test_a_note_in_words_is_no_trade_name(note):
    assert parse(f"阿莫西林胶囊({note}) 0.25g*24粒")["trade_name"] is None


def test_a_piece_of_a_manufacturer_s_name_is_its_short_name_not_a_trade_name():
    # 利康 is written inside 阿斯利康制药, as 双鹤 is in 华润双鹤药业
    assert parse("阿莫西林胶囊(利康) 0.25g*24粒")["trade_name"] is None
    assert parse("阿莫西林胶囊(新白欣) 0.25g*24粒")["trade_name"] == "新白欣"   # a coined name still is one


@pytest.mark.parametrize("raw", [
    "阿莫西林胶囊(阿莫) 0.25g*24粒",          # after the name, as 注射用单磷酸阿糖腺苷(阿糖)
    "(西林)阿莫西林胶囊 0.25g*24粒",          # before it
    "阿莫西林(西林)胶囊 0.25g*24粒",          # inside it
])
def test_a_bracketed_piece_of_the_drug_s_own_name_is_no_trade_name(raw):
    assert parse(raw)["trade_name"] is None


@pytest.mark.parametrize("raw, ingredients", [
    ("每片含盐酸二甲双胍500mg", ["盐酸二甲双胍"]),
    ("每片含苯磺酸氨氯地平5mg和阿托伐他汀钙10mg", ["苯磺酸氨氯地平", "阿托伐他汀钙"]),
    ("布洛芬0.2g与阿莫西林0.25g", ["布洛芬", "阿莫西林"]),
    ("每揿含布洛芬100μg，递送剂量为布洛芬80μg", ["布洛芬", "布洛芬"]),
])
def test_the_words_of_a_spec_note_glued_before_an_ingredient_do_not_hide_it(raw, ingredients):
    asked = []
    doc = parse(raw, fuzzy=lambda f: asked.append(f) or [])
    assert [s["text"] for s in doc["segments"] if s["match"] == "exact"] == ingredients
    assert asked == []          # nothing left for the fuzzy matcher: the note words are no names


def test_a_name_that_only_starts_like_a_note_word_stays_whole():
    # 和 + 胃康片 is no known name: the whole goes to the matcher, as any unknown name
    asked = []
    parse("和胃康片 0.3g", fuzzy=lambda f: asked.append(f) or [])
    assert asked == ["和胃康片"]


def test_a_note_word_before_a_form_is_no_ingredient():
    # 含饮片 (contains decoction pieces) says what the preparation holds, not which drug: no form is taken from it
    doc = parse("每盒含胶囊24粒")
    assert "胶囊" not in [s["text"] for s in doc["segments"]]


def test_an_ingredient_a_note_lists_is_reported_but_is_not_the_drug():
    # 注射用头孢曲松钠 1g(含利多卡因): the solvent's anaesthetic is not the drug (adversarial review)
    doc = parse("布洛芬缓释胶囊 0.3g(含阿莫西林)")
    assert fields(doc) == {"generic_name": "布洛芬", "product_name": "布洛芬缓释胶囊", "dosage_form": "缓释胶囊"}
    assert doc["segments"][-1] == {"text": "阿莫西林", "start": 14, "end": 18, "match": "exact",
                                   "attribute": "generic_name", "term": "阿莫西林", "standard": "阿莫西林",
                                   "ingredient": True}
    assert parse("立普妥 20mg(含布洛芬)")["generic_name"] == "阿托伐他汀钙"
    assert parse("布洛芬缓释胶囊 0.3g與阿莫西林0.1g")["generic_name"] == "布洛芬"      # traditional 與 is 与
    assert parse("苯磺酸氨氯地平片 每片含布洛芬5mg")["generic_name"] == "苯磺酸氨氯地平"


def test_a_spec_alone_describes_its_first_ingredient():
    doc = parse("每片含苯磺酸氨氯地平5mg和阿托伐他汀钙10mg")
    assert doc["generic_name"] == "苯磺酸氨氯地平" and doc["evidence"]["generic_name"] == "exact"
    assert [s.get("ingredient", False) for s in doc["segments"] if s["match"] == "exact"] == [False, True]


def test_an_ingredient_of_a_drug_the_lexicon_lacks_is_not_that_drug():
    # 胃仙-U(含颠茄): the unknown name is the drug; its ingredient fills nothing
    doc = parse("某某片(含布洛芬) 24片")
    assert doc["generic_name"] != "布洛芬" and doc["evidence"].get("generic_name") != "exact"


def test_a_connector_at_the_start_of_a_name_cuts_nothing():
    # 和 joins the ingredients of quantities (100μg和富马酸福莫特罗); 和血康 is a name
    asked = []
    parse("和布洛芬 0.3g", fuzzy=lambda f: asked.append(f) or [])
    assert asked == ["和布洛芬"]
