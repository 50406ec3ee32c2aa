"""What a second-type fragment may be accepted as (plpython/acceptance.py): a wrong drug is worse than no drug."""
import pytest

import acceptance
import minilex
import settings

LEX = minilex.load()
READINGS = {"临": ("lin",), "林": ("lin",), "粉": ("fen",), "芬": ("fen",)}.get


def cand(term, attribute, s, standard=None, generic=None):
    return {"term": term, "standard": standard or term, "attribute": attribute, "generic": generic,
            "m": s, "n": s, "s": s}


def judge(fragment, *cands):
    return acceptance.judge(fragment, list(cands), LEX, settings.DEFAULTS, str.lower)


def test_a_homophone_typo_is_accepted():
    LEX.readings = lambda ch: READINGS(ch, ())
    try:
        assert judge("阿莫西临胶囊", cand("阿莫西林胶囊", "product_name", 0.8, generic="阿莫西林")).accepted
    finally:
        LEX.readings = None


@pytest.mark.parametrize("fragment, term", [
    ("氘丁苯那嗪片", "丁苯那嗪片"),     # one stem contains the other: another molecule
    ("硝酸钙", "硝酸甘油"),             # two edits on three characters: not a typo
    ("右奥美拉唑肠溶胶囊", "奥美拉唑肠溶胶囊"),
    ("亚硝酸钠", "亚硒酸钠"),           # one edit in a short stem: sodium nitrite is not sodium selenite
    ("碳酸钠", "碳酸氢钠"),             # a character less: carbonate is not bicarbonate
])
def test_a_near_miss_is_refused_whatever_its_score(fragment, term):
    v = judge(fragment, cand(term, "product_name", 0.95))
    assert v.near_miss and not v.accepted


def test_one_edit_in_a_name_of_six_characters_or_more_is_still_a_typo():
    assert judge("阿莫西林克拉堆酸钾片", cand("阿莫西林克拉维酸钾片", "product_name", 0.8,
                                         generic="阿莫西林克拉维酸钾")).accepted


@pytest.mark.parametrize("fragment, term", [
    ("盐酸马尼地平片", "盐酸贝尼地平片"),     # the acid is no part of the name: 马尼地平 is not 贝尼地平
    ("磷酸瑞格列汀片", "磷酸西格列汀片"),
    ("硫酸依替米星注射液", "硫酸奈替米星注射液"),
    ("阿托伐他丁钙片", "阿托伐他汀钙片"),     # nor is the cation: one edit on 阿托伐他汀, not a homophone here
])
def test_an_edit_in_a_short_name_beside_its_salt_is_another_molecule(fragment, term):
    v = judge(fragment, cand(term, "product_name", 0.9))
    assert v.near_miss and not v.accepted


def test_each_part_of_a_combination_is_judged_alone():
    v = judge("先诺特韦片/利托那韦片组合包装", cand("奈玛特韦片/利托那韦片组合包装", "product_name", 0.9))
    assert v.near_miss and not v.accepted


@pytest.mark.parametrize("fragment, term", [
    ("重组人干扰素α2b注射液", "重组人干扰素α2a注射液"),     # a letter
    ("人凝血因子vii", "人凝血因子viii"),                     # a Roman numeral (Ⅶ, Ⅷ as preprocessing writes them)
    ("人凝血因子ix", "人凝血因子x"),
    ("重组人i型肿瘤坏死因子受体", "重组人ii型肿瘤坏死因子受体"),  # Ⅰ and Ⅱ, as preprocessing writes them
    ("复方氨基酸注射液(15aa)", "复方氨基酸注射液(18aa)"),    # a number
    ("20%脂肪乳注射液", "10%脂肪乳注射液"),
    ("精蛋白锌胰岛素注射液(30r)", "精蛋白锌胰岛素注射液(50r)"),
    ("注射用b型肉毒毒素", "注射用a型肉毒毒素"),
])
def test_a_variant_mark_is_never_a_typo(fragment, term):
    v = judge(fragment, cand(term, "product_name", 0.95))
    assert v.near_miss and not v.accepted


def test_spaces_and_hyphens_are_no_variant_marks():
    assert judge("罗培干扰素α-2 b注射液", cand("罗培干扰素α-2b注射液", "product_name", 0.95)).accepted
    assert judge("重组人干扰素α-2b栓", cand("重组人干扰素α2b栓", "product_name", 0.95)).accepted


def test_close_runners_up_of_another_drug_make_it_ambiguous():
    v = judge("美拉唑", cand("美沙拉秦", "generic_name", 0.67), cand("奥美拉唑", "generic_name", 0.66))
    assert v.ambiguous and not v.accepted


def test_a_hanzi_inserted_into_a_drug_stem_is_another_molecule():
    lex = minilex.load()
    cand = [{"term": "枸橼酸舒芬太尼注射液", "standard": "枸橼酸舒芬太尼注射液", "attribute": "product_name",
             "generic": "枸橼酸舒芬太尼", "m": 0.9, "n": 0.9, "s": 0.9}]
    verdict = acceptance.judge("枸橼酸芬太尼注射液", cand, lex, {}, lambda t: t)
    assert verdict.near_miss and not verdict.accepted


def test_the_typo_distance_counts_homophones_as_equal():
    assert acceptance.typo_distance("阿莫西临", "阿莫西林", lambda ch: READINGS(ch, ())) == 0
    assert acceptance.typo_distance("阿莫西临", "阿莫西林") == 1
    assert acceptance.typo_distance("硝酸钙", "硝酸甘油") == 2


def test_a_manufacturer_is_accepted_only_as_the_same_company():
    same = judge("诺华制药(北京)有限公司", cand("北京诺华制药有限公司", "manufacturer", 0.7))
    other = judge("华北制药股份有限公司", cand("华中药业股份有限公司", "manufacturer", 0.9))
    assert same.accepted and not same.near_miss
    assert other.near_miss and not other.accepted


def test_a_group_company_of_another_place_is_not_accepted():
    # the same core name (恒瑞医药) in another province is another company of the group
    other_place = judge("上海恒瑞医药股份有限公司", cand("江苏恒瑞医药股份有限公司", "manufacturer", 0.9))
    short_name = judge("上海恒瑞医药", cand("恒瑞医药", "manufacturer", 0.9, standard="江苏恒瑞医药股份有限公司"))
    no_place = judge("恒瑞医药", cand("江苏恒瑞医药股份有限公司", "manufacturer", 0.9))
    assert other_place.near_miss and short_name.near_miss
    assert no_place.accepted


def test_a_foreign_company_is_not_accepted_as_its_groups_chinese_one():
    # 礼来(美国)公司 shares 礼来 with 礼来苏州制药, which is another company; 萌蒂(英国) is not 萌蒂(北京) either
    lilly = judge("礼来(美国)公司", cand("礼来苏州制药", "manufacturer", 0.9, standard="礼来苏州制药有限公司"))
    gsk = judge("葛兰素史克(中国)投资有限公司", cand("葛兰素史克(天津)有限公司", "manufacturer", 0.9))
    mundi = judge("萌蒂(英国)制药有限公司", cand("萌蒂(北京)医药有限公司", "manufacturer", 0.9,
                                            standard="北京萌蒂医药有限公司"))
    assert lilly.near_miss and gsk.near_miss and mundi.near_miss
    assert not (lilly.accepted or gsk.accepted or mundi.accepted)


def test_a_company_is_never_accepted_as_a_drug():
    v = judge("上海禾丰制药", cand("禾丰片", "product_name", 0.9))
    assert v.near_miss and not v.accepted
