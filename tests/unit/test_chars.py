"""The character classes (plpython/chars.py): one copy, used by the server code, the lexicon build and, as a
checked copy, the self-contained SQL function drugnorm.lookup_codes."""
import re
from pathlib import Path

import pytest

import chars

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("ch", ["尼", "㐀", "𠀀", "𲎯", "礼", "〇"])
def test_unified_ideographs_their_extensions_compatibility_forms_and_the_hanzi_zero_are_hanzi(ch):
    assert chars.is_hanzi(ch)


@pytest.mark.parametrize("ch", ["a", "β", "5", "あ", "한", "䷀", "。", "（", "Ａ"])
def test_letters_digits_kana_hangul_hexagrams_and_punctuation_are_not(ch):
    assert not chars.is_hanzi(ch)


def test_every_character_of_the_hanzi_data_is_a_hanzi():
    data = sorted((ROOT / "migrations" / "data").glob("hanzi_*.tsv"))[-1]
    rows = [line.split("\t")[0] for line in data.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert rows and [ch for ch in rows if not chars.is_hanzi(ch)] == []


def test_names_are_made_of_hanzi_letters_and_digits_and_the_others_are_letters_and_digits():
    assert [chars.is_word_char(ch) for ch in "尼aβ5-·"] == [True, True, True, True, False, False]
    assert [chars.is_other(ch) for ch in "尼aβ5-"] == [False, True, True, True, False]


def test_east_asian_is_wider_than_hanzi():
    # spec splitting: a kana or hangul letter before a number is no Latin letter glued to it
    assert [chars.is_east_asian(ch) for ch in "尼あ한〇ＡaéΩ"] == [True, True, True, True, True, False, False, False]


def test_the_copy_in_sql_lookup_codes_is_the_same_class():
    """lookup_codes runs before the code modules are installed (sql/lookup.sql), so it keeps a copy."""
    sql = (ROOT / "sql" / "lookup.sql").read_text(encoding="utf-8")
    src = re.search(r"^def is_hanzi\(ch\):.*?\n(?:    .*\n)+", sql, flags=re.M).group(0)
    scope = {}
    exec(src, scope)
    differ = [o for o in range(0x110000) if scope["is_hanzi"](chr(o)) != chars.is_hanzi(chr(o))]
    assert differ == []


def test_a_text_has_hanzi_when_one_of_its_characters_is_one():
    assert (chars.has_hanzi("Vitamin C"), chars.has_hanzi("维C"), chars.has_hanzi("")) == (False, True, False)


def test_the_regexes_of_character_classes_are_the_functions():
    """segmentation._symbols_at and markers._ALNUM find in C what chars.is_word_char (and a space test) would
    find character by character."""
    import markers
    import segmentation
    for o in range(0x110000):
        ch = chr(o)
        word = chars.is_word_char(ch)
        assert (segmentation._symbols_at(ch, 0, 1) == [0]) == (not word and ch != " "), hex(o)
        assert (markers._ALNUM.match(ch) is not None or chars.is_hanzi(ch)) == word, hex(o)
