"""Chinese herbs with the bundled lexicon (lexicon/curated/tcm_herbs.tsv, after the Chinese Pharmacopoeia 2020,
vol. I): a decoction piece (中药饮片) and a dispensing granule (配方颗粒) name their herb without a fuzzy search,
and a patent medicine named after its herbs is not reported as one of them (a wrong drug is worse than none).
The strings are written for these tests, not taken from the development sets."""
import psycopg
import pytest


def parse(db, raw):
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]


def searched(doc, name):
    """Whether the fuzzy matcher scored a fragment of the drug's name."""
    return any("candidates" in seg and seg["text"] in name for seg in doc["segments"])


@pytest.mark.parametrize("raw, generic, product", [
    ("麸炒白术 1000mg/g 江苏", "白术", "麸炒白术"),       # a processed form the pharmacopoeia lists
    ("炒白术 1000mg/g 江苏", "白术", "麸炒白术"),         # the name catalogues write for it
    ("黑附片 10g 四川", "附子", "黑顺片"),
    ("炙甘草 6g", "甘草", "炙甘草"),                      # a monograph of its own, made from 甘草
    ("蒲黄炭 10g", "蒲黄", "蒲黄炭"),
    ("细辛 3g 辽宁", "细辛", "细辛"),                     # the piece sold under the herb's own name
    ("怀牛膝 1000mg/g 河南", "牛膝", "牛膝"),             # a name hospitals use for the herb
    ("川军 10g", "大黄", "大黄"),
])
def test_a_decoction_piece_is_its_herb(bundled_db, raw, generic, product):
    doc = parse(bundled_db, raw)
    assert (doc["generic_name"], doc["product_name"], doc["dosage_form"], doc["status"]) == \
        (generic, product, "中药饮片", "exact")
    assert not searched(doc, raw.split()[0])


@pytest.mark.parametrize("raw, generic, product", [
    ("白术颗粒 1g/10g*1袋", "白术", "白术颗粒"),           # a herb with a form after it
    ("细辛颗粒 3g*1袋 江阴天江", "细辛", "细辛颗粒"),
    ("姜半夏颗粒 3g*1袋", "半夏", "姜半夏颗粒"),           # a processed form with a form after it
    ("酒白芍颗粒 1g/10g/袋", "白芍", "酒白芍颗粒"),
    ("白术配方颗粒 1g/10g*1袋", "白术", "白术配方颗粒"),     # as catalogues write the form
])
def test_a_dispensing_granule_is_its_herb_without_a_fuzzy_search(bundled_db, raw, generic, product):
    doc = parse(bundled_db, raw)
    assert (doc["generic_name"], doc["product_name"], doc["dosage_form"]) == (generic, product, "颗粒剂")
    assert not searched(doc, product)


@pytest.mark.parametrize("raw, generic, product, form", [
    ("生当归 10g 甘肃", "当归", "生当归", "中药饮片"),     # raw (生), honey-fried (炙), scorched (焦), steamed (蒸)
    ("炙桂枝 6g", "桂枝", "炙桂枝", "中药饮片"),
    ("焦白术 10g", "白术", "焦白术", "中药饮片"),
    ("蒸五味子 10g", "五味子", "蒸五味子", "中药饮片"),
    ("艾叶炭 10g", "艾叶", "艾叶炭", "中药饮片"),         # charred: the word after the name
    ("生黄芪颗粒 1g/10g*1袋", "黄芪", "生黄芪颗粒", "颗粒剂"),
    ("生白芍饮片 10g", "白芍", "生白芍", "中药饮片"),    # the form written out: the piece as the lexicon names one
    ("苦杏仁霜 6g", "苦杏仁", "苦杏仁霜", "中药饮片"),    # frost: a seed with its oil pressed out
])
def test_a_herb_with_a_processing_word_the_lexicon_lacks_is_a_piece_of_that_herb(bundled_db, raw, generic, product,
                                                                                  form):
    doc = parse(bundled_db, raw)
    assert (doc["generic_name"], doc["product_name"], doc["dosage_form"]) == (generic, product, form)
    assert not searched(doc, product)


@pytest.mark.parametrize("raw", ["芦荟霜 50g*1支", "薄荷霜 20g", "珍珠霜 20g"])
def test_a_cream_named_after_a_herb_is_no_piece_of_it(bundled_db, raw):
    # 霜 after a herb that is no seed is a cream (霜剂, as 维A酸霜), not the herb's frost
    doc = parse(bundled_db, raw)
    assert (doc["generic_name"], doc["dosage_form"]) == (None, None)


@pytest.mark.parametrize("raw, generic", [
    ("生长抑素 3mg*1支", "生长抑素"),            # 生 + 长抑素 is no herb
    ("制霉素片 50万U*100片", "制霉素"),          # nor 制 + 霉素
    ("生白芍胶囊 0.3g*24粒", "生白芍"),          # a processed herb before a capsule may begin a patent medicine
    ("炙甘草合剂 150ml", "炙甘草"),              # a formula (炙甘草汤), not 甘草, though the lexicon lists 炙甘草
])
def test_a_drug_that_begins_with_a_processing_word_or_a_processed_herb_is_no_herb(bundled_db, raw, generic):
    assert parse(bundled_db, raw)["generic_name"] == generic


@pytest.mark.parametrize("raw, product, generic", [
    ("黄连上清丸 6g*10袋", "黄连上清丸", "黄连上清"),
    ("当归苦参丸 6g*10袋", "当归苦参丸", "当归苦参"),
    ("桂枝茯苓胶囊 0.31g*60粒", "桂枝茯苓胶囊", "桂枝茯苓"),
    ("三七伤药片 0.3g*24片", "三七伤药片", "三七伤药"),
    ("丹参川芎嗪注射液 5ml*1支", "丹参川芎嗪注射液", "丹参川芎嗪"),
    ("当归龙荟片 0.5g*24片", "当归龙荟片", "当归龙荟"),
])
def test_a_patent_medicine_of_the_lexicon_keeps_its_name(bundled_db, raw, product, generic):
    doc = parse(bundled_db, raw)
    assert (doc["product_name"], doc["generic_name"]) == (product, generic)


@pytest.mark.parametrize("raw, herbs", [
    ("天麻钩藤颗粒 10g*9袋", ("天麻", "钩藤")),            # a formula named after two herbs of the lexicon
    ("木香槟榔丸 6g*10袋", ("木香", "槟榔")),
    ("柴胡桂枝颗粒 3g*10袋", ("柴胡", "桂枝")),
    ("黄芪当归颗粒 5g*9袋", ("黄芪", "当归")),
    ("复方甘草片 100片", ("甘草",)),
    ("复方甘草口服溶液 100ml", ("甘草",)),
    ("黄芪生脉饮 10ml*10支", ("黄芪",)),                  # a herb before a product of the lexicon
    ("牛黄蛇胆川贝液 10ml*6支", ("牛黄",)),
])
def test_a_patent_medicine_the_lexicon_lacks_is_not_one_of_its_herbs(bundled_db, raw, herbs):
    doc = parse(bundled_db, raw)
    assert doc["generic_name"] not in herbs and doc["product_name"] not in herbs
    assert doc["status"] in ("inferred", "unresolved"), doc["status"]


@pytest.mark.parametrize("raw, generic", [
    ("牛黄上清丸 6g*10丸", "牛黄上清"),         # a herb before a product word of the lexicon (上清丸)
    ("葛根芩连片 0.3g*24片", "葛根芩连"),
    ("半夏天麻丸 6g*10袋", "半夏天麻"),
    ("川贝雪梨膏 150g", "川贝雪梨"),
    ("黄连素片 0.1g*100片", "盐酸小檗碱"),      # berberine: 黄连 + 素片 would make it the herb
])
def test_a_herb_does_not_cut_short_the_name_it_begins(bundled_db, raw, generic):
    assert parse(bundled_db, raw)["generic_name"] == generic


def test_only_a_herb_is_sold_as_its_decoction_piece(bundled_db):
    doc = parse(bundled_db, "桑菊饮片 0.3g*24片")          # tablets of the formula 桑菊饮, not a 饮片
    assert doc["dosage_form"] == "片剂"
    assert parse(bundled_db, "白术饮片 10g")["dosage_form"] == "中药饮片"


@pytest.mark.parametrize("raw, form", [
    ("黄芩片 1000mg/g 河北", "中药饮片"),   # weighed: the pharmacopoeia's sliced piece of 黄芩
    ("黄芩片 10g/袋", "中药饮片"),
    ("黄芩片 0.5g*24片", "片剂"),          # counted in the tablets its name ends with: tablets, not slices
])
def test_a_decoction_piece_is_weighed_never_counted(bundled_db, raw, form):
    doc = parse(bundled_db, raw)
    assert (doc["product_name"], doc["generic_name"], doc["dosage_form"]) == ("黄芩片", "黄芩", form)
