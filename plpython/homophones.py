"""An input method's typo of a character that no lexicon entry has (阑尾消炎梚 for 阑尾消炎丸): the fragment is
scored again as the candidates write it, when they agree on what the character stands for.

Such a character is no evidence as itself, and the character cosine N then favours the name's shorter stem
(阑尾消炎) over the name meant. A wrong drug is worse than no drug, so the reading is taken only when the
evidence is strong and one-sided (an adversarial review found each of these rules necessary):

- one such character, and at least two other hanzi that the lexicon has, in the name without its form
  suffix (躺椅, 添丁片, 紫允 are common words or too short to tell: two unknown characters, or one beside one
  known, are left as they are);
- the candidates' hanzi at the same place, counted from the name's start (an extra form suffix of a
  candidate never lends a character: 阿事匹林 is not 阿司匹林缓释片 through 释);
- every candidate that has there a hanzi of the same sound under fuzzy pinyin has the same one (阿乏替尼:
  阿伐替尼 or 阿法替尼; 八争片: 八正片 or 八珍片: nothing is read), and the name meant reads it, as the lexicon
  reads the whole name, exactly as the typed one is read in its common reading: 也 is ye, so 也康唑 is not
  异康唑 through 也's rare yi; 奥 is ao in 奥施康定, so 钰施康定 (yu) is no typo of it through 奥's rare yu;
- so read, the name (with or without its form suffix) is a candidate's own: a typo of one character
  (强隶松 read 强力松 is no name: 强的松 stays its best candidate);
- never a chemical element (枸橼酸镓 is not 枸橼酸钾) nor a processing word of a herb (焯苦杏仁 is not 炒苦杏仁).

>>> readings = {"梚": ("wan",), "丸": ("wan",), "片": ("pian",), "伐": ("fa",), "法": ("fa",), "乏": ("fa",)}.get
>>> spoken = lambda key: [readings(ch, ("",))[0] for ch in key]
>>> read_as("阑尾消炎梚", lambda ch: ch != "梚", lambda ch: readings(ch, ()), ["阑尾消炎", "阑尾消炎丸", "阑尾消炎片"], spoken)
'阑尾消炎丸'
>>> read_as("阿乏替尼", lambda ch: ch != "乏", lambda ch: readings(ch, ()), ["阿伐替尼", "阿法替尼"], spoken) is None
True
"""
from __future__ import annotations

from acceptance import fuzzy_pinyin
from chars import ELEMENTS, is_hanzi
from inference import PROCESSING_PREFIXES

_NEVER = ELEMENTS | frozenset(p for p in PROCESSING_PREFIXES if len(p) == 1)


def read_as(fragment: str, known, readings, candidate_keys, spoken, name_end: int | None = None) -> str | None:
    """``fragment`` with its one unknown hanzi written as the candidates write it, or None.

    ``known(ch)``: whether a lexicon entry has the hanzi; ``readings(ch)``: its readings; ``candidate_keys``:
    the keys of the fragment's fuzzy candidates; ``spoken(key)``: the reading of each character of a key as
    the lexicon reads the word (entry.readings; None when it has none); ``name_end``: where the name ends
    before a form suffix."""
    places = [i for i, ch in enumerate(fragment) if is_hanzi(ch)]
    unknown = [i for i in places if not known(fragment[i])]
    in_name = [i for i in places if i < (len(fragment) if name_end is None else name_end)]
    if len(unknown) != 1 or unknown[0] not in in_name or len(in_name) < 3 or fragment[unknown[0]] in _NEVER:
        return None
    at = unknown[0]
    nth = places.index(at)
    typed = readings(fragment[at])[:1]      # its common reading: 也 is ye, not the rare yi (异康唑)
    if not typed:
        return None
    heard = {fuzzy_pinyin(typed[0])}
    offered = set()
    for key in candidate_keys:
        hanzi = [ch for ch in key if is_hanzi(ch)]
        if nth < len(hanzi) and heard.intersection(map(fuzzy_pinyin, readings(hanzi[nth]))):
            offered.add(hanzi[nth])
    if len(offered) != 1:
        return None
    meant = offered.pop()
    if meant in _NEVER:
        return None
    alt = fragment[:at] + meant + fragment[at + 1:]
    # a typo of one character: read so, the name is one of the candidates' own (强隶松 read 强力松 is no name)
    keys = set(candidate_keys)
    name = alt if alt in keys else alt[:name_end] if name_end is not None and alt[:name_end] in keys else None
    if name is None:
        return None
    said = spoken(name)
    return alt if said is not None and at < len(said) and said[at] == typed[0] else None
