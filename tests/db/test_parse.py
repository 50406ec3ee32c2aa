"""drug_parse: the patent's examples (实施例一/三/四) end to end, against a real database."""
import psycopg
import pytest


def parse(dsn, raw):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]


def seg(doc, text):
    return next(s for s in doc["segments"] if s["text"] == text)


def flat(doc, *fields):
    return tuple(doc[f] for f in fields)


def test_trade_name_product_strength_and_package(mini_db):
    doc = parse(mini_db, "(立普妥)阿托伐他汀钙片20mg*7片")
    assert flat(doc, "trade_name", "product_name", "generic_name", "dosage_form", "strength", "package") == \
        ("立普妥", "阿托伐他汀钙片", "阿托伐他汀钙", "片剂", "20mg", "7片")
    assert [(s["text"], s["match"]) for s in doc["segments"]] == [
        ("立普妥", "exact"), ("阿托伐他汀钙片", "exact"), ("20mg", "spec"), ("7片", "package")]


def test_irinotecan_example_with_a_fuzzy_fragment_and_a_manufacturer_holding_brackets(mini_db):
    doc = parse(mini_db, "H▲注射用盐酸伊立替康|◆艾力40mg1只(成都)江苏恒瑞水针")
    assert flat(doc, "strength", "package", "trade_name", "manufacturer", "dosage_form") == \
        ("40mg", "1支", "艾力", "(成都)江苏恒瑞制药", "注射液")
    # The patent scores this fragment fuzzily and finds 盐酸伊立替康; its stem is that generic name exactly,
    # so drugnorm composes the product without a fuzzy search, to the same result.
    frag = seg(doc, "注射用盐酸伊立替康")
    assert (frag["match"], frag["standard"], frag["known_generic"]) == ("inferred", "盐酸伊立替康", True)
    assert "candidates" not in frag
    assert (doc["generic_name"], doc["product_name"]) == ("盐酸伊立替康", "注射用盐酸伊立替康")
    assert seg(doc, "(成都)江苏恒瑞")["match"] == "exact"
    package = seg(doc, "1只")
    assert (package["match"], package["standard"], package["unit_standard"]) == ("package", "1支", "支")


@pytest.mark.parametrize("raw, cut", [
    ("膦甲酸钠乳膏|扶适灵0.15g", ["膦甲酸钠乳膏", "扶适灵", "0.15g"]),
    ("诺和龙瑞格列奈片", ["诺和龙", "瑞格列奈片"]),
    ("巨和粒(山东齐鲁)", ["巨和粒", "山东齐鲁"]),
    ("奥美拉唑镁肠溶片∣洛赛克MUPS", ["奥美拉唑镁肠溶片", "洛赛克MUPS"]),
    ("美沙拉秦缓释颗粒剂、艾迪莎", ["美沙拉秦缓释颗粒剂", "艾迪莎"]),
    ("B型嗜血菌/乙型肝炎疫苗", ["B型嗜血菌/乙型肝炎疫苗"]),
])
def test_patent_splitting_examples(mini_db, raw, cut):
    assert [s["text"] for s in parse(mini_db, raw)["segments"]] == cut


def test_traditional_and_full_width_input_gives_the_same_terms(mini_db):
    plain = parse(mini_db, "(立普妥)阿托伐他汀钙片20mg*7片")
    other = parse(mini_db, "（立普妥）阿托伐他汀鈣片２０ｍｇ＊７片")
    fields = ("trade_name", "product_name", "generic_name", "dosage_form", "strength", "package")
    assert flat(other, *fields) == flat(plain, *fields)
    assert seg(other, "阿托伐他汀鈣片")["standard"] == "阿托伐他汀钙片"


def test_an_english_synonym_is_reported_as_its_standard(mini_db):
    doc = parse(mini_db, "Lipitor 20毫克")
    assert flat(doc, "trade_name", "generic_name", "strength") == ("立普妥", "阿托伐他汀钙", "20mg")
    assert (seg(doc, "Lipitor")["term"], seg(doc, "Lipitor")["standard"]) == ("Lipitor", "立普妥")


def test_empty_and_symbol_only_strings_give_the_contract_with_nulls(mini_db):
    for raw in ("", "▲◆※", "()|/"):
        doc = parse(mini_db, raw)
        assert doc["segments"] == [] and doc["generic_name"] is None and doc["input"] == raw


def test_update_a_table_and_group_by_generic_name(mini_db):
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE t (raw text, norm jsonb)")
        conn.execute("INSERT INTO t (raw) VALUES ('立普妥20mg'), ('阿托伐他汀钙片 10mg*7片'), ('Lipitor'), "
                     "('布洛芬缓释胶囊'), (NULL)")
        conn.execute("UPDATE t SET norm = drug_parse(raw)")
        groups = dict(conn.execute("SELECT norm->>'generic_name', count(*) FROM t GROUP BY 1"))
    assert groups == {"阿托伐他汀钙": 3, "布洛芬": 1, None: 1}


def test_a_homophone_typo_is_accepted_as_a_fuzzy_match(mini_db):
    doc = parse(mini_db, "阿莫西临胶囊 0.25g*24粒")
    frag = seg(doc, "阿莫西临胶囊")
    assert (frag["match"], frag["standard"], frag["accepted"]) == ("fuzzy", "阿莫西林胶囊", True)
    assert flat(doc, "product_name", "generic_name", "strength", "package") == \
        ("阿莫西林胶囊", "阿莫西林", "0.25g", "24粒")


def test_a_guessed_trade_name_of_another_drug_gives_way_to_the_name_written_in_full(mini_db):
    """立普拖 sounds like 立普妥, atorvastatin's trade name; beside amoxicillin it is this product's own trade
    name, mistyped or unknown: reported as written, never as another drug's."""
    doc = parse(mini_db, "阿莫西林胶囊(立普拖) 0.25g")
    assert flat(doc, "generic_name", "trade_name") == ("阿莫西林", "立普拖")
    assert doc["evidence"]["trade_name"] == "inferred"
    assert not seg(doc, "立普拖").get("accepted")


def test_a_typo_accepted_as_a_generic_keeps_the_product_the_text_writes(mini_db):
    """The lexicon has 瑞格列奈 but no capsule of it: the generic is the match, the written form its product."""
    doc = parse(mini_db, "瑞格列耐胶囊 1mg")
    assert seg(doc, "瑞格列耐胶囊")["standard"] == "瑞格列奈"
    assert flat(doc, "generic_name", "product_name", "dosage_form") == ("瑞格列奈", "瑞格列耐胶囊", "胶囊剂")


@pytest.mark.parametrize("raw, generic, not_this", [
    ("氘丁苯那嗪片", "氘丁苯那嗪", "丁苯那嗪片"),           # a deuterated drug is not its parent
    ("右奥美拉唑肠溶胶囊", "右奥美拉唑", "奥美拉唑肠溶胶囊"),  # an enantiomer is not the racemate
    ("艾司奥美拉唑肠溶胶囊", "艾司奥美拉唑", "奥美拉唑肠溶胶囊"),
])
def test_a_near_miss_is_not_accepted_as_another_drug(mini_db, raw, generic, not_this):
    doc = parse(mini_db, raw)
    assert doc["product_name"] != not_this
    assert doc["generic_name"] == generic
    assert not_this not in [s["standard"] for s in doc["segments"]]


def test_an_unknown_product_is_reported_as_an_inferred_generic_and_flagged(mini_db):
    doc = parse(mini_db, "瑞维鲁胺片 80mg")
    frag = seg(doc, "瑞维鲁胺片")
    assert (frag["match"], frag["standard"], frag["known_generic"]) == ("inferred", "瑞维鲁胺", False)
    assert flat(doc, "generic_name", "dosage_form", "product_name", "strength") == \
        ("瑞维鲁胺", "片剂", "瑞维鲁胺片", "80mg")


def test_a_known_generic_with_a_form_suffix_is_composed_into_a_product(mini_db):
    doc = parse(mini_db, "盐酸伊立替康(艾力)注射液 40mg")
    frag = doc["segments"][0]
    assert (frag["match"], frag["attribute"], frag["standard"], frag["known_generic"]) == \
        ("inferred", "product_name", "盐酸伊立替康注射液", True)
    assert flat(doc, "product_name", "generic_name", "dosage_form", "trade_name") == \
        ("盐酸伊立替康注射液", "盐酸伊立替康", "注射液", "艾力")


def test_two_candidates_too_close_to_call_are_flagged_ambiguous(mini_db):
    # 美拉唑 scores above the acceptance threshold against both 美沙拉秦 and 奥美拉唑
    doc = parse(mini_db, "美拉唑")
    frag = doc["segments"][0]
    top, second = frag["candidates"][:2]
    with psycopg.connect(mini_db) as conn:
        accept, margin = (float(conn.execute("SELECT value FROM drugnorm.setting WHERE name = %s", (n,)).fetchone()[0])
                          for n in ("accept", "ambiguous_margin"))
    assert top["s"] >= accept and abs(top["s"] - second["s"]) <= margin
    assert frag["ambiguous"] and not frag["accepted"] and doc["generic_name"] is None
    # the text itself is all that is left of the string: reported as an inferred name, never a candidate
    assert (frag["match"], doc["product_name"]) == ("inferred", "美拉唑")


def test_parse_and_candidates_are_not_run_in_parallel_workers(mini_db):
    with psycopg.connect(mini_db) as conn:
        marks = dict(conn.execute("SELECT proname, proparallel FROM pg_proc WHERE proname IN "
                                  "('drug_parse', 'drug_candidates', 'drug_lookup')"))
    assert set(marks.values()) == {"u"}


def test_a_concentration_in_the_name_gives_way_to_the_spec(mini_db):
    assert parse(mini_db, "5%葡萄糖注射液 500ml×1袋")["strength"] == "500ml"
    assert parse(mini_db, "0.9%氯化钠注射液")["strength"] == "0.9%"


def test_a_full_company_name_beats_a_short_name_inside_it(mini_db):
    # 辉瑞 is a short name (synonym of 辉瑞制药有限公司); the full name the lexicon lacks names the entity
    doc = parse(mini_db, "阿托伐他汀钙片(辉瑞) 20mg 大连辉瑞制药有限公司")
    assert doc["manufacturer"] == "大连辉瑞制药有限公司"
    assert seg(doc, "辉瑞")["standard"] == "辉瑞制药有限公司"
    # a short name alone, or beside an unrelated company, still gives its standard
    assert parse(mini_db, "阿托伐他汀钙片(辉瑞) 20mg")["manufacturer"] == "辉瑞制药有限公司"
    assert parse(mini_db, "阿托伐他汀钙片(辉瑞) 20mg 上海信谊药厂有限公司")["manufacturer"] == "辉瑞制药有限公司"


def test_a_latin_company_name_cut_at_its_spaces_is_one_manufacturer(mini_db):
    doc = parse(mini_db, "阿莫西林胶囊 0.25g Fleet laboratories Limited")
    assert doc["manufacturer"] == "Fleet laboratories Limited"      # as written
    assert seg(doc, "Fleet laboratories Limited")["match"] == "inferred"
    assert doc["product_name"] == "阿莫西林胶囊"      # the drug before it is not swallowed


def test_separators_at_the_edge_of_a_fragment_are_not_part_of_the_name(mini_db):
    doc = parse(mini_db, "阿莫西林胶囊,0.25g,兆科药业(合肥)有限公司")
    assert doc["manufacturer"] == "兆科药业(合肥)有限公司"
    assert seg(doc, "兆科药业(合肥)有限公司")["start"] == len("阿莫西林胶囊,0.25g,")


def test_a_product_synonym_holding_the_trade_name_in_brackets_reports_both(mini_db, tmp_path):
    from drugnorm_admin import loader
    f = tmp_path / "syn.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\nproduct_name\t阿托伐他汀钙片(立普妥)\t阿托伐他汀钙片\t\n", encoding="utf-8")
    loader.load(mini_db, [f], log=lambda *_: None)
    doc = parse(mini_db, "阿托伐他汀钙片(立普妥) 20mg×7片/盒")
    assert flat(doc, "product_name", "trade_name", "generic_name") == ("阿托伐他汀钙片", "立普妥", "阿托伐他汀钙")
    assert seg(doc, "阿托伐他汀钙片(立普妥)")["attribute"] == "product_name"
    assert (seg(doc, "立普妥")["attribute"], seg(doc, "立普妥")["start"]) == ("trade_name", 8)


def test_a_generic_before_a_vehicle_product_is_one_compound_product(mini_db, tmp_path):
    from drugnorm_admin import loader
    f = tmp_path / "infusion.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\tproduct\tdosage_form\n"
                 "generic_name\t奥硝唑\t\t\t\t\ngeneric_name\t氯化钠\t\t\t\t\n"
                 "product_name\t氯化钠注射液\t\t氯化钠\t\t注射液\n", encoding="utf-8")
    loader.load(mini_db, [f], log=lambda *_: None)
    doc = parse(mini_db, "奥硝唑氯化钠注射液 0.5g:100ml×1袋")
    # not 氯化钠注射液: that names another drug
    assert flat(doc, "product_name", "generic_name", "dosage_form") == ("奥硝唑氯化钠注射液", "奥硝唑", "注射液")
    assert parse(mini_db, "氯化钠注射液 100ml")["product_name"] == "氯化钠注射液"


def test_a_trade_name_inside_the_drug_name_leaves_the_name_whole(mini_db):
    doc = parse(mini_db, "阿托伐他汀钙(立普妥)片 20mg×7片")
    assert flat(doc, "product_name", "trade_name", "generic_name") == ("阿托伐他汀钙片", "立普妥", "阿托伐他汀钙")
    whole = seg(doc, "阿托伐他汀钙(立普妥)片")
    assert (whole["match"], whole["attribute"], whole["standard"]) == ("exact", "product_name", "阿托伐他汀钙片")
    assert seg(doc, "立普妥")["attribute"] == "trade_name"


def test_hidden_unicode_in_input_and_in_the_dictionary_gives_the_visible_terms(mini_db, tmp_path):
    """Issue 13, finding 16: zero-width characters split or blocked matches, combining marks were kept,
    other scripts' digits became spec values. Both sides go through the same preprocessing."""
    doc = parse(mini_db, "阿\u200b莫西林胶囊\u0301 ٠.٢٥g×٢٤粒")
    assert flat(doc, "product_name", "strength", "package") == ("阿莫西林胶囊", "0.25g", "24粒")
    assert seg(doc, "阿\u200b莫西林胶囊\u0301")["start"] == 0
    from drugnorm_admin import loader
    f = tmp_path / "hidden.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\ngeneric_name\t新\u200b药\u0301甲\t\t\n", encoding="utf-8")
    loader.load(mini_db, [f], log=lambda *_: None)
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT key FROM drugnorm.entry WHERE term = %s", ("新\u200b药\u0301甲",)).fetchone()[0] == "新药甲"
    assert parse(mini_db, "新药甲")["generic_name"] == "新\u200b药\u0301甲"
