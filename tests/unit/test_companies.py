"""Manufacturers by their shape and core name (plpython/companies.py): a company is never a drug, and two
spellings of one company are the same manufacturer."""
import pytest

import companies


@pytest.mark.parametrize("a, b, same", [
    ("诺华制药(北京)有限公司", "北京诺华制药有限公司", True),
    ("江苏恒瑞医药股份有限公司", "恒瑞医药", True),
    ("华北制药股份有限公司", "华中药业股份有限公司", False),
    ("默沙东制药(杭州)有限公司", "杭州民生药业有限公司", False),
])
def test_manufacturers_are_the_same_company_only_when_their_core_names_agree(a, b, same):
    assert companies.same_company(a, b) is same


@pytest.mark.parametrize("a, b, same", [
    ("辉瑞制药有限公司(大连)", "辉瑞制药(无锡)有限公司", False),       # cities in brackets
    ("葛兰素史克(中国)投资有限公司", "葛兰素史克(天津)有限公司", False),  # (中国): the group's Chinese company
    ("中国大冢制药厂", "中国大冢制药有限公司", True),               # 中国 first: a Chinese company, no place
    ("礼来(美国)公司", "礼来苏州制药有限公司", False),               # a country, and another company's longer name
    ("诺华制药(瑞士)有限公司", "诺华制药有限公司", False),          # a Chinese legal name, no country: in China
    ("默沙东制药(美国)", "杭州默沙东制药有限公司", False),           # a country is no city in China
    ("百特医疗用品贸易(上海)有限公司", "baxter holding bv", False),   # a place in China is no Latin-named company
    ("诺华制药(瑞士)", "诺华制药(进口)", True),                     # which standard of the group: the lexicon's
    ("珠海联邦制药股份有限公司", "珠海联邦制药股份有限公司中山分公司", False),   # a parent is not its branch
    ("拜耳医药保健有限公司广州分公司", "拜耳医药保健有限公司广州分公司分装", True),
    ("丽珠集团丽宝", "丽珠集团", False),                                # a member of a group is not the group
    ("东北制药总厂", "东北制药集团沈阳第一制药", False),
    ("西藏藏药集团股份", "西藏藏药集团", True),
    ("成都华神集团有限公司", "成都华神集团股份有限公司制药厂", False),        # nor a company its works
    ("日本武田药品工业株式会社", "日本(武田药品工业株式会社大阪工厂)", False),
    ("汕头金石制药总厂有限公司", "汕头金石制药总厂", True),
    ("co.ltd", "codal synto ltd", False),                            # a legal form alone names no company
    ("pierre", "pierre fabre medicament", True),
    ("pfizer", "pfizerxyz ltd", False),                             # a Latin prefix ends at a word's end
])
def test_places_branches_and_legal_forms_tell_a_groups_companies_apart(a, b, same):
    assert companies.same_company(a, b) is same
    assert companies.same_company(b, a) is same


@pytest.mark.parametrize("name, core", [
    ("诺华制药(北京)有限公司", "诺华制药"),
    ("北京诺华制药有限公司", "诺华制药"),
    ("江苏省恒瑞医药股份有限公司", "恒瑞医药"),
    ("baxter ltd", "baxter"),              # on normalized (lower-case) text
])
def test_the_core_name_drops_brackets_regions_and_corporate_suffixes(name, core):
    assert companies.company_core(name) == core


@pytest.mark.parametrize("fragment, company", [
    ("江阴天江药业有限公司", True),
    ("上海禾丰制药", True),          # a short name of an HIS catalogue: an industry word at the end
    ("Baxter S.A.", True),
    ("Fleet laboratories Limited", True),
    ("B.V.", True),                 # a dotted legal form alone: the last word of a cut-up name
    ("AG", False),                  # a bare short one alone is a code
    ("东北制药总厂", True),           # the works word of the old state factories
    ("阿莫西林胶囊", False),
    ("制药", False),                # an industry word needs two hanzi of a name before it
    ("vincristine", False),         # a Latin legal form is a whole word: "inc" inside a drug's name is none
    ("zinc oxide", False),
    ("pfizer inc", True),
    ("bausch&lomb incorporated", True),
])
def test_a_company_by_its_shape(fragment, company):
    assert companies.is_company(fragment) is company


@pytest.mark.parametrize("fragment, place", [("成都", True), ("南京市", True), ("江苏省", True), ("德国", True),
                                             ("塞浦路斯", True), ("进口", True), ("北京诺华", False),
                                             ("南京南大", False), ("switzerland", True), ("(germany)", True),
                                             ("novartis", False)])
def test_a_region_city_or_origin_beside_a_name_is_a_place(fragment, place):
    assert companies.is_place(fragment) is place


def test_a_region_in_brackets_before_the_suffix_keeps_a_company_word_whole():
    assert companies.is_bracketed_company("诺华制药(北京)有限公司")
    assert not companies.is_bracketed_company("(北京)诺华制药有限公司")
    assert not companies.is_bracketed_company("氯化钠注射液(百特)")


def test_a_catalogue_code_glued_after_a_bracketed_company_is_not_part_of_its_name():
    assert companies.bracketed_company_end("萌蒂(英国)制药有限公司s") == len("萌蒂(英国)制药有限公司")
    assert companies.bracketed_company_end("礼来(美国)公司zsy") == len("礼来(美国)公司")
    assert companies.bracketed_company_end("礼来(美国)公司") == len("礼来(美国)公司")
    assert companies.bracketed_company_end("礼来(美国)公司abcd") == 0     # no code: a word that goes on


@pytest.mark.parametrize("word", ["默沙东制药(美国)", "博福-益普生(天津)制药", "辉瑞制药有限公司(大连)"])
def test_a_place_in_brackets_after_a_short_name_or_before_its_industry_word_is_the_companys(word):
    assert companies.bracketed_company_end(word) == len(word)
    assert companies.is_company(word)


@pytest.mark.parametrize("word", ["阿莫西林胶囊(国产)", "氯化钠注射液(百特)", "布洛芬(北京)"])
def test_a_place_in_brackets_after_a_drug_is_no_company(word):
    assert companies.bracketed_company_end(word) == 0
    assert not companies.is_company(word)


@pytest.mark.parametrize("name, city", [("辉瑞制药(大连)有限公司", "大连"), ("辉瑞制药有限公司(大连)", "大连"),
                                        ("大连美罗药业股份有限公司", "大连"), ("浙江省杭州民生药业", "杭州"),
                                        ("珠海联邦制药股份有限公司中山分公司", "中山"), ("礼来苏州制药有限公司", None),
                                        ("吉林敖东药业", None)])
def test_the_city_of_a_company_is_at_its_start_in_brackets_or_its_branchs(name, city):
    assert companies.company_city(name) == city


def test_a_latin_company_cut_at_its_spaces_is_one_name():
    raw = "Fleet laboratories Limited"
    segments = [{"text": "Fleet", "start": 0, "end": 5, "match": "none", "attribute": None},
                {"text": "laboratories", "start": 6, "end": 18, "match": "none", "attribute": None},
                {"text": "Limited", "start": 19, "end": 26, "match": "none", "attribute": None}]
    assert companies.latin_company_runs(segments, raw) == [(0, 2, 0, 26)]


def test_a_full_company_name_holding_every_short_name_names_the_entity():
    short = {"match": "exact", "attribute": "manufacturer", "term": "百特", "standard": "Baxter SA"}
    full = {"match": "inferred", "attribute": "manufacturer", "term": "上海百特医疗用品有限公司",
            "standard": "上海百特医疗用品有限公司"}
    assert companies.full_name_of_short_names([short, full], str) == "上海百特医疗用品有限公司"
    standard = dict(short, term="Baxter SA")
    assert companies.full_name_of_short_names([standard, full], str) is None


def test_the_lexicon_build_takes_its_company_tables_from_here():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lexicon"))
    import rules
    assert rules.ZH_CORPORATE_SUFFIXES is companies.ZH_CORPORATE_SUFFIXES
    assert rules.PROVINCES is companies.PROVINCES
    assert rules.CITIES is companies.CITIES


@pytest.mark.parametrize("a, b, differ", [
    ("默沙东制药(美国)", "杭州默沙东制药有限公司", True),          # a foreign country is no city in China
    ("礼来(美国)公司", "礼来苏州制药有限公司", True),              # nor a Chinese legal name stating no country
    ("百特医疗用品贸易(上海)有限公司", "baxter holding bv", True),  # a place in China is no Latin-named company
    ("辉瑞制药有限公司(大连)", "辉瑞制药(无锡)有限公司", True),
    ("诺华制药(瑞士)", "诺华制药(进口)", False),
    ("大连美罗药业", "辽宁美罗药业", False),                      # a city and a province are not compared
])
def test_the_places_two_names_state(a, b, differ):
    assert companies.places_differ(a, b) is differ
    assert companies.places_differ(b, a) is differ


def test_a_packers_note_is_a_company_whose_core_is_the_packers():
    assert companies.is_packer("拜耳医药保健有限公司分装") and companies.is_packer("施维雅(天津)分装")
    assert companies.is_company("施维雅(天津)分装")
    assert companies.is_company("(拜耳医药保健有限公司分装)")     # a note's closing bracket (raised StopIteration)
    assert companies.company_core("拜耳医药保健有限公司分装") == companies.company_core("拜耳医药保健有限公司")
    assert companies.bracketed_company_end("施维雅(天津)分装") == len("施维雅(天津)分装")


def test_a_full_company_name_beats_a_short_name_inside_it_accepted_fuzzily():
    segments = [{"text": "济民可信", "match": "fuzzy", "accepted": True, "attribute": "manufacturer",
                 "term": "济民可信金水宝制药", "standard": "江西济民可信金水宝制药有限公司"},
                {"text": "无锡济民可信山禾药业股份有限公司", "match": "inferred", "attribute": "manufacturer",
                 "term": "无锡济民可信山禾药业股份有限公司", "standard": "无锡济民可信山禾药业股份有限公司"}]
    assert companies.full_name_of_short_names(segments, str.lower) == "无锡济民可信山禾药业股份有限公司"
    other = dict(segments[1], term="无锡山禾药业股份有限公司")    # not the company the short name names
    assert companies.full_name_of_short_names([segments[0], other], str.lower) is None


@pytest.mark.parametrize("name, names", [("ltd", False), ("co.ltd", False), ("有限公司", False), ("制药有限公司", False),
                                         ("天津药业", True), ("fleet laboratories limited", True)])
def test_a_legal_form_or_an_industry_word_alone_names_no_company(name, names):
    assert companies.names_a_company(name) is names


def test_an_institute_of_biological_products_is_a_company():
    assert companies.is_company("兰州生物制品研究所") and companies.is_company("天津药物研究院药业有限责任公司")
