"""Character classes: what a hanzi is, what names are made of. The one copy that the server code, the
lexicon build and the SQL function drugnorm.lookup_codes use.

``is_hanzi`` covers the CJK Unified Ideographs with extensions A to H, the compatibility ideographs and
〇 (U+3007, the hanzi zero: drugnorm.hanzi has its reading ling). The ranges match the character data
(migrations/data/hanzi_*.tsv), so a character with readings there is a hanzi here.

>>> [is_hanzi(ch) for ch in "尼〇𠀀礼aあ"]
[True, True, True, True, False, False]
>>> has_hanzi("Vitamin C"), has_hanzi("维C")
(False, True)
>>> [is_word_char(ch) for ch in "尼aβ5-"], [is_other(ch) for ch in "尼aβ5-"]
([True, True, True, True, False], [False, True, True, True, False])
>>> [is_east_asian(ch) for ch in "尼あ한aé"]
[True, True, True, False, False]
"""
from __future__ import annotations

def is_hanzi(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x323AF
            or 0xF900 <= o <= 0xFAFF or o == 0x3007)


def has_hanzi(text: str) -> bool:
    return any(map(is_hanzi, text))


def is_word_char(ch: str) -> bool:
    """Hanzi, letters (Latin, Greek …) and digits: what names are made of."""
    return ch.isalnum() or is_hanzi(ch)


def is_other(ch: str) -> bool:
    """Non-hanzi characters that carry meaning: letters (Latin, Greek, ...) and digits."""
    return ch.isalnum() and not is_hanzi(ch)


def is_east_asian(ch: str) -> bool:
    """Any character from the CJK radicals (U+2E80) on: hanzi, and kana, hangul and the like too.

    Not is_hanzi: spec splitting asks whether the letter before a number is a Latin or Greek one (b5mg of
    两性霉素b5mg), and a kana or hangul letter is not; so the class is everything East Asian."""
    return ord(ch) >= 0x2E80


# The chemical elements' characters: a salt or a radiopharmaceutical names its element on purpose.
ELEMENTS = frozenset("氢氦锂铍硼碳氮氧氟氖钠镁铝硅磷硫氯氩钾钙钪钛钒铬锰铁钴镍铜锌镓锗砷硒溴氪铷锶钇锆铌钼锝钌"
                     "铑钯银镉铟锡锑碲碘氙铯钡镧铈镨钕钷钐铕钆铽镝钬铒铥镱镥铪钽钨铼锇铱铂金汞铊铅铋钋砹氡钫镭锕"
                     "钍镤铀镎钚镅锔锫锎锿镄钔锘铹")
