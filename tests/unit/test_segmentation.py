"""Patent step 4 and the character-model library, on the tests' small lexicon (no database)."""
import pytest

import minilex
import preprocess
from segmentation import Segmenter, cover

LEX = minilex.load()


def cut(text):
    s = preprocess.normalize_key(text, LEX.t2s, LEX.irrelevant)
    return [(s[p.start:p.end], p.exact) for p in Segmenter(s, LEX).pieces(0, len(s))]


@pytest.mark.parametrize("text, pieces", [
    ("(立普妥)阿托伐他汀钙片", [("立普妥", True), ("阿托伐他汀钙片", True)]),          # BCDE
    ("巨和粒(山东齐鲁)", [("巨和粒", True), ("山东齐鲁", True)]),                     # BCDE
    ("奥美拉唑镁肠溶片∣洛赛克MUPS", [("奥美拉唑镁肠溶片", True), ("洛赛克mups", True)]),  # FGH
    ("美沙拉秦缓释颗粒剂、艾迪莎", [("美沙拉秦缓释颗粒剂", True), ("艾迪莎", True)]),   # IJK
    ("B型嗜血菌/乙型肝炎疫苗", [("b型嗜血菌/乙型肝炎疫苗", False)]),                   # STU kept whole
    ("诺和龙瑞格列奈片", [("诺和龙", True), ("瑞格列奈片", True)]),                   # S22, all covered
    ("阿莫西临胶囊", [("阿莫西临胶囊", False)]),                                       # S22, not covered
    ("H注射用盐酸伊立替康", [("h", False), ("注射用盐酸伊立替康", False)]),             # script boundary
])
def test_patent_examples_are_cut_as_the_patent_says(text, pieces):
    assert cut(text) == pieces


def test_a_slash_is_cut_when_one_side_is_a_dictionary_term():
    assert cut("阿莫西林胶囊/未知") == [("阿莫西林胶囊", True), ("未知", False)]


def test_mechanical_segmentation_takes_the_fewest_words():
    # forward maximum matching would give ab|c|d
    words = {"a", "b", "c", "d", "ab", "bcd"}
    s = "abcd"
    assert [s[a:b] for a, b in cover(s, 0, 4, lambda a, b: s[a:b] in words, 3)] == ["a", "bcd"]


def test_mechanical_segmentation_needs_every_character_covered():
    s = "abx"
    assert cover(s, 0, 3, lambda a, b: s[a:b] == "ab", 3) is None


def test_two_generic_names_that_touch_are_one_name_the_dictionaries_lack():
    # 天麻钩藤颗粒 is a formula, not 天麻: a cover of drug names glued together names no drug of the lexicon
    assert cut("硝苯地平布洛芬") == [("硝苯地平布洛芬", False)]
    assert cut("硝苯地平 布洛芬") == [("硝苯地平", True), ("布洛芬", True)]
    assert cut("诺和龙瑞格列奈") == [("诺和龙", True), ("瑞格列奈", True)]     # a trade name and its generic


@pytest.mark.parametrize("text, pieces", [
    ("硝苯地平Ⅸ", [("硝苯地平ix", False)]),                      # a Roman numeral after the name is part of it
    ("阿莫西林B胶囊", [("阿莫西林b胶囊", False)]),                  # so is a letter, and the hanzi glued after it
    ("BG阿莫西林胶囊", [("bg", False), ("阿莫西林胶囊", True)]),     # a code before the name is not
    ("按Fe计", [("按", False), ("fe", False), ("计", False)]),       # one hanzi is no name
    ("阿莫西林amoxicillin", [("阿莫西林", True), ("amoxicillin", False)]),  # a Latin word is no mark
])
def test_a_variant_mark_glued_after_a_name_stays_with_it(text, pieces):
    assert cut(text) == pieces


def test_a_name_with_latin_letters_is_not_matched_inside_a_latin_word():
    # 硝苯地平缓释片ii is not the lexicon's 硝苯地平缓释片i with an i left over: that is another variant
    lex = minilex.load()
    lex.by_key["硝苯地平缓释片i"] = lex.by_key["硝苯地平控释片"]
    s = "硝苯地平缓释片ii"
    assert [(s[p.start:p.end], p.exact) for p in Segmenter(s, lex).pieces(0, len(s))] == [("硝苯地平缓释片ii", False)]
