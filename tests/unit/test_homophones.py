"""A typo of a character no lexicon entry has is read as the candidates write it, only when the evidence is
strong and one-sided (plpython/homophones.py): each rule below answers a wrong drug an adversarial review found."""
import pytest

from homophones import read_as

READINGS = {"梚": ("wan",), "丸": ("wan",), "片": ("pian",), "乏": ("fa",), "伐": ("fa",), "法": ("fa",),
            "事": ("shi",), "释": ("shi",), "司": ("si",), "争": ("zheng",), "正": ("zheng",), "珍": ("zhen",),
            "躺": ("tang",), "椅": ("yi",), "糖": ("tang",), "衣": ("yi",), "镓": ("jia",), "钾": ("jia",),
            "焯": ("chao", "zhuo"), "炒": ("chao",), "添": ("tian",), "天": ("tian",), "也": ("ye", "yi"), "异": ("yi",), "隶": ("li",), "力": ("li",),
            "钰": ("yu",), "奥": ("ao", "yu", "you"), "施": ("shi",), "康": ("kang",), "定": ("ding",)}


def spoken(key):
    """Each character's first reading: how the lexicon reads these test names."""
    return [READINGS.get(ch, ("",))[0] for ch in key]


def reads(fragment, unknown, candidates, name_end=None, say=spoken):
    return read_as(fragment, lambda ch: ch not in unknown, lambda ch: READINGS.get(ch, ()), candidates, say, name_end)


def test_the_one_unknown_character_reads_as_the_candidates_write_it_in_its_place():
    assert reads("阑尾消炎梚", "梚", ["阑尾消炎", "阑尾消炎丸", "阑尾消炎片"]) == "阑尾消炎丸"


def test_the_form_suffix_is_not_part_of_the_name_that_must_be_known():
    assert reads("添丁片", "添", ["天丁片", "天丁"], name_end=2) is None      # 丁 alone is too little


@pytest.mark.parametrize("fragment, unknown, candidates", [
    ("阿乏替尼", "乏", ["阿伐替尼", "阿法替尼"]),          # two drugs of that sound: nothing is read
    ("八争片", "争", ["八正片", "八珍片"]),                 # zheng and zhen are one sound to fuzzy pinyin
    ("阿事匹林", "事", ["阿司匹林缓释片"]),                 # 释 is in the form suffix, not in 事's place
    ("躺椅", "躺椅", ["糖衣"]),                             # two unknown characters
    ("添丁", "添", ["天丁"]),                               # one known hanzi beside it is too little
    ("枸橼酸镓", "镓", ["枸橼酸钾"]),                       # an element is named on purpose
    ("焯苦杏仁", "焯", ["炒苦杏仁"]),                       # so is a herb's processing
    ("也康唑", "也", ["异康唑"]),                           # 也 is ye; yi is its rare reading
    ("强隶松", "隶", ["强的松", "强力康"]),                  # 强力松 is no candidate's name
])
def test_nothing_is_read_when_the_evidence_is_weak_or_two_sided(fragment, unknown, candidates):
    assert reads(fragment, unknown, candidates) is None


def test_the_name_meant_must_say_the_character_as_it_is_typed():
    # 奥 has the rare readings yu and you, but 奥施康定 says ao: 钰 (yu) is no input-method typo of it
    assert reads("钰施康定", "钰", ["奥施康定"]) is None
    # and a name the lexicon holds no reading for is not read either
    assert reads("阑尾消炎梚", "梚", ["阑尾消炎丸"], say=lambda key: None) is None
