"""Acid and salt words of Chinese generic names (盐酸左氧氟沙星, 阿托伐他汀钙, 甲磺酸伊马替尼): the lexicon build
derives a salt's base name from them (lexicon/rules.py), fuzzy acceptance leaves them out when it counts
how much a typo may change (acceptance.py).
"""
from __future__ import annotations

SALT_PREFIXES = ("盐酸", "硫酸", "硝酸", "磷酸", "甲磺酸", "乙磺酸", "苯磺酸", "对甲苯磺酸", "马来酸", "富马酸",
                 "枸橼酸", "酒石酸", "醋酸", "乳酸", "琥珀酸", "氢溴酸", "门冬氨酸", "葡甲胺", "精氨酸",
                 "赖氨酸", "苹果酸", "草酸", "硬脂酸", "棕榈酸", "丙酸", "戊酸", "丁酸", "萘磺酸")
SALT_SUFFIXES = ("钠", "钾", "钙", "镁", "锌", "铝", "铋", "铁", "锂", "二钠", "三钠", "钠盐", "钾盐")
# A base must not end like a fragment of a salt or acid name (因卡膦酸二, 钾镁).
_BAD_BASE_ENDINGS = tuple("二三酸盐钠钾钙镁锌铝铋铁锂")
# Salt forms that are other molecules than their "base": nitroglycerin is not glycerol.
NOT_SALTS = frozenset(("硝酸甘油", "硝酸异山梨酯", "单硝酸异山梨酯", "乳酸菌素", "磷酸肌酸钠", "盐酸赖氨酸",
                       "醋酸钠", "乳酸钠", "枸橼酸钾", "硫酸镁", "硫酸锌", "硫酸亚铁", "葡萄糖酸钙"))

# Longest first, sorted once: fuzzy acceptance asks salt_base for every candidate it judges.
_PREFIXES_LONGEST_FIRST = tuple(sorted(SALT_PREFIXES, key=len, reverse=True))
_SUFFIXES_LONGEST_FIRST = tuple(sorted(SALT_SUFFIXES, key=len, reverse=True))


def salt_base(generic: str) -> tuple[str, str] | None:
    """(salt, base) when a generic name is a salt of a base of three characters or more.

    >>> salt_base("盐酸左氧氟沙星"), salt_base("阿托伐他汀钙"), salt_base("阿莫西林")
    (('盐酸', '左氧氟沙星'), ('钙', '阿托伐他汀'), None)
    """
    if generic in NOT_SALTS:
        return None
    found = None
    if generic.startswith(_PREFIXES_LONGEST_FIRST):     # (most names start with none: one test in C)
        for p in _PREFIXES_LONGEST_FIRST:
            if generic.startswith(p):
                found = p, generic[len(p):]
                break
    if found is None and generic.endswith(_SUFFIXES_LONGEST_FIRST):
        for s in _SUFFIXES_LONGEST_FIRST:
            if generic.endswith(s) and not generic.endswith("酸" + s):
                found = s, generic[:-len(s)]
                break
    if found is None or len(found[1]) < 3 or found[1].endswith(_BAD_BASE_ENDINGS):
        return None
    return found
